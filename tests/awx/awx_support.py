"""Shared by the AWX tests: ansible-galaxy runs, and AWX survey semantics.

``survey_extra_vars`` mirrors what AWX does at launch: a question left unanswered takes its default; an optional question with
no answer and an empty default is left out of the extra vars; ``integer`` answers become ints and
everything else stays a string (AWX has no boolean question type); text lengths, integer bounds and
choices are checked and a bad answer is refused before the job starts.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ROLLOUT_SURVEY = os.path.join(ROOT, "docs", "awx", "bgp_policy_rollout.survey.json")
QUESTION_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def galaxy(args, **kwargs):
    """Run ``ansible-galaxy ARGS``; a failure shows its output."""
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy")] + args, capture_output=True, text=True, check=False,
                          **kwargs)
    assert proc.returncode == 0, "ansible-galaxy %s:\n%s%s" % (" ".join(args), proc.stdout, proc.stderr)
    return proc


def load_survey(path=ROLLOUT_SURVEY):
    with open(path) as handle:
        return json.load(handle)


def choices_of(question):
    choices = question.get("choices") or []
    return choices.split("\n") if isinstance(choices, str) else list(choices)


def survey_extra_vars(spec, answers):
    """Extra vars for a launch with ``answers`` ({variable: answer}); ValueError for a refused answer."""
    unknown = set(answers) - {q["variable"] for q in spec["spec"]}
    if unknown:
        raise ValueError("not survey questions: %s" % sorted(unknown))
    extra = {}
    for question in spec["spec"]:
        name, kind = question["variable"], question["type"]
        value = answers.get(name, question.get("default", ""))
        if value in ("", None):
            if question.get("required"):
                raise ValueError("%s: an answer is required" % name)
            continue
        if kind == "integer":
            value = int(value)
            low, high = question.get("min"), question.get("max")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError("%s: %d is outside %s..%s" % (name, value, low, high))
        elif kind in ("multiplechoice", "multiselect"):
            picked = value if kind == "multiselect" else [value]
            bad = [v for v in picked if v not in choices_of(question)]
            if bad:
                raise ValueError("%s: %s not among the choices" % (name, bad))
        else:
            value = str(value)
            low, high = question.get("min"), question.get("max")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise ValueError("%s: length %d is outside %s..%s" % (name, len(value), low, high))
        extra[name] = value
    return extra
