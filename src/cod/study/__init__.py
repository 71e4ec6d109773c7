"""Studies: pre-registered experiments that run the pipeline with other settings beside the default run.

A study is a folder ``studies/<name>/`` holding its settings as overrides of ``params.yaml`` and its protocol
(``protocol.md``, committed before its first result). ``cod study run <name>`` runs the pipeline with those
settings in the study's own workspace, which shares this repository's DVC cache and run-cache, and copies its
reports to ``reports/studies/<name>/``; ``cod study list`` tells each study's state.
"""
