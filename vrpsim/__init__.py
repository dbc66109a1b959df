"""vrpsim: a Huawei VRP8 router emulator for the netops.vrp lab (not shipped in the collection).

Parts (docs/internals.md): ``server`` (SSH), ``cli`` (views, prompts, errors), ``grammar`` (syntax),
``config`` (config semantics, commit model), ``lab`` (topology, faults, transcripts, control),
``bgp`` (the BGP model), ``testing`` (``running_lab`` for pytest). Run ``python -m vrpsim --help``.
"""
