"""The shipped AWX survey (docs/awx/bgp_policy_rollout.survey.json) matches the rollout playbook.

The playbook documents its survey variables in its header comment (name, type, meaning, default); the
survey must offer exactly those, with a question type that yields the documented type, the documented
default, choices the role accepts, and every variable must really be used by the play.
"""
import os
import re

import pytest
import yaml
from awx_support import QUESTION_TYPES, ROOT, choices_of, load_survey, survey_extra_vars

PLAYBOOK = os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml")
ROLE_SPEC = os.path.join(ROOT, "roles", "bgp_policy_rollout", "meta", "argument_specs.yml")
# Documented type -> survey question types that produce it. AWX has no boolean question: a
# true/false multiple choice passes the string, which the role's argument spec converts.
TYPE_MAP = {"str": {"text", "multiplechoice"}, "text": {"textarea"}, "int": {"integer"}, "bool": {"multiplechoice"}}
SURVEY = load_survey()
QUESTIONS = {q["variable"]: q for q in SURVEY["spec"]}
# Questions the operator must answer although the playbook has a fallback: a rollout job without a
# policy change has nothing to roll out.
MUST_ANSWER = {"policy_config"}


def documented_variables():
    """{name: (type, description)} from the playbook's header comment table."""
    found = {}
    with open(PLAYBOOK) as handle:
        for line in handle:
            match = re.match(r"^#\s{3}(\w+)\s+(str|int|text|bool)\s+(.*)$", line.rstrip())
            if match:
                found[match.group(1)] = (match.group(2), match.group(3))
    return found


DOCUMENTED = documented_variables()


def test_survey_is_an_awx_survey_spec():
    assert set(SURVEY) == {"name", "description", "spec"} and SURVEY["name"]
    for question in SURVEY["spec"]:
        assert {"question_name", "variable", "type", "required", "default"} <= set(question), question
        assert question["type"] in QUESTION_TYPES, question
        assert re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", question["variable"]), question
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question["default"] in choices_of(question), question
    assert len(QUESTIONS) == len(SURVEY["spec"]), "a variable is asked twice"
    # Launching with the defaults (and the answers that have none) passes the survey's own checks.
    extra = survey_extra_vars(SURVEY, {name: "x" for name in MUST_ANSWER})
    assert set(extra) >= MUST_ANSWER


def test_survey_asks_exactly_the_documented_variables():
    assert len(DOCUMENTED) >= 10, "the playbook header table was not found"
    assert set(QUESTIONS) == set(DOCUMENTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_question_type_and_default_match_the_playbook(name):
    kind, description = DOCUMENTED[name]
    question = QUESTIONS[name]
    assert question["type"] in TYPE_MAP[kind], (name, kind, question["type"])
    if kind == "bool":
        assert sorted(choices_of(question)) == ["false", "true"], question
    documented_default = re.search(r"\(default: ([^)]*)\)", description)
    if documented_default:
        default = documented_default.group(1).strip('"')
        if default in ("no limit",):
            assert question["default"] == "" and not question["required"], question
        else:
            assert str(question["default"]) == default, (name, question["default"], default)
    elif name in MUST_ANSWER:
        assert question["required"] and question["default"] == "", question
    else:
        assert not question["required"], "%s has no default in the playbook, so it must be optional" % name


def test_every_survey_variable_is_used_by_the_play():
    with open(PLAYBOOK) as handle:
        plays = yaml.safe_load(handle)    # the pre-flight play and the rollout play share their vars
    assert [p["vars"] for p in plays[1:]] == [plays[0]["vars"]] * (len(plays) - 1)
    play_text = yaml.safe_dump(plays[-1])  # comments are gone: only real uses count
    for name in QUESTIONS:
        assert re.search(r"\b%s\b" % name, play_text), "%s is asked but never used" % name


def test_choices_are_the_ones_the_role_accepts():
    spec = yaml.safe_load(open(ROLE_SPEC))["argument_specs"]["main"]["options"]
    target = spec["bgp_policy_rollout_targets"]["options"]
    assert set(choices_of(QUESTIONS["target_address_family"])) == set(target["address_family"]["choices"])
    assert set(choices_of(QUESTIONS["target_direction"])) == set(target["direction"]["choices"])
