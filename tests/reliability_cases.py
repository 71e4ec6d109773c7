"""Every fault and bad input the tests try, as data: the one source of the reliability table (README/docs).

Each case is a dict. The table columns:

- ``fault``: the bad input or fault, as a user meets it;
- ``what the user sees``: exit code and message (its key fragments are in ``expect`` and asserted by the test);
- ``what is kept``: what stays on disk afterwards (outputs, caches) — also asserted by the test;
- ``test``: the pytest node id that runs the case, ``path::function``.

Fields for the tests, not shown in the table:

- ``id``: a short unique name, used as the pytest id;
- ``expect``: fragments the message must contain (``{url}`` stands for the endpoint the test used);
- ``setup``: test-specific inputs (a server failure mode, a params change, ...).

A test takes its cases with ``cases(test)`` and parametrises over them (``ids=ids``), so every row of the
table is a case that ran; ``tests/unit/test_reliability_cases.py`` checks that each ``test`` exists.
Append new cases to ``CASES`` (grouped by area, ``id`` unique); render the table with ``markdown()``.
"""

from __future__ import annotations

from typing import Any

COLUMNS = ("fault", "what the user sees", "what is kept", "test")

_LLM = "tests/llm/test_llm.py"
_CFE = "tests/training/test_counterfactuals.py"
_CONFIG = "tests/unit/test_config.py"
_STUDY = "tests/unit/test_study.py"
_TEACHER = "tests/training/test_teacher.py"

_ENDPOINT_SEES = (
    "EndpointError, the stage exits 1 with one message: `counterfactuals.llm: N of M requests to <endpoint> "
    "failed after R retries ({reason}); K more were not sent …`; sending stops at the first such failure"
)
_ENDPOINT_KEPT = "every answer received before the failure, in data/llm_cache; the error in ledger.jsonl"
# the message of a model id neither cached nor reachable on the hub (tests/models/test_hub.py), after its key
_HUB_MISS = [
    "model 'nosuch-org/nosuch-model' was not found locally (no such folder, not in the Hugging Face cache) and the "
    "hub https://huggingface.co cannot be reached (offline mode: HF_HUB_OFFLINE is set)",
    "use a packaged model that works offline (embedded:all-MiniLM-L6-v2), a local folder holding the model, or a "
    "network connection with HF_HUB_OFFLINE unset",
]
_COUNTED_SEES = "no error; the original gets no valid CFE and is counted in `originals_without_valid_cfe`"

CASES: list[dict[str, Any]] = [
    # --- LLM endpoint faults: the request layer ----------------------------------------------------------
    {
        "id": "llm-refused",
        "fault": "LLM endpoint: nobody listens on `counterfactuals.llm.base_url` (connection refused)",
        "what the user sees": _ENDPOINT_SEES.format(reason="APIConnectionError: Connection error."),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed", "APIConnectionError", "counterfactuals.llm.base_url"],
        "setup": {"endpoint": "refused"},
    },
    {
        "id": "llm-dns",
        "fault": "LLM endpoint: host name does not resolve (DNS)",
        "what the user sees": _ENDPOINT_SEES.format(reason="APIConnectionError: Connection error."),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed", "APIConnectionError"],
        "setup": {"endpoint": "http://cod-test.invalid/v1"},
    },
    {
        "id": "llm-timeout",
        "fault": "LLM endpoint: no answer within `llm.timeout`, after the client's retries",
        "what the user sees": _ENDPOINT_SEES.format(reason="APITimeoutError: Request timed out."),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed after 1 retries", "APITimeoutError"],
        "setup": {"marker": "HANG", "timeout": 0.3, "max_retries": 1, "tries": 2},
    },
    {
        "id": "llm-5xx",
        "fault": "LLM endpoint: HTTP 503 on every try (server down behind a proxy), after the client's retries",
        "what the user sees": _ENDPOINT_SEES.format(reason="503: …"),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed after 1 retries", "(503: "],
        "setup": {"status": 503, "max_retries": 1, "tries": 2},
    },
    {
        "id": "llm-401",
        "fault": "LLM endpoint: API key rejected (HTTP 401)",
        "what the user sees": _ENDPOINT_SEES.format(reason="401: …"),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed", "(401: ", "$OPENAI_API_KEY"],
        "setup": {"status": 401, "tries": 1},
    },
    {
        "id": "llm-403",
        "fault": "LLM endpoint: key lacks access to the model (HTTP 403)",
        "what the user sees": _ENDPOINT_SEES.format(reason="403: …"),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed", "(403: "],
        "setup": {"status": 403, "tries": 1},
    },
    {
        "id": "llm-404",
        "fault": "LLM endpoint: unknown model or wrong path in base_url (HTTP 404)",
        "what the user sees": _ENDPOINT_SEES.format(reason="404: …"),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed", "(404: "],
        "setup": {"status": 404, "tries": 1},
    },
    {
        "id": "llm-429",
        "fault": "LLM endpoint: rate limit or exhausted quota (HTTP 429) after the client's retries",
        "what the user sees": _ENDPOINT_SEES.format(reason="429: …"),
        "what is kept": _ENDPOINT_KEPT,
        "test": f"{_LLM}::test_endpoint_faults_stop_with_one_message",
        "expect": ["requests to {url} failed after 1 retries", "(429: "],
        "setup": {"status": 429, "max_retries": 1, "tries": 2},
    },
    # --- per-request failures: counted, never fatal --------------------------------------------------------
    {
        "id": "llm-refusal",
        "fault": "LLM refuses one request (`refusal` field)",
        "what the user sees": _COUNTED_SEES + "; ledger status `refusal`",
        "what is kept": "the refusal, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "REFUSE", "status": "refusal", "count": "refusals", "cached": True},
    },
    {
        "id": "llm-refusal-in-words",
        "fault": "LLM refuses one request in words (\"I'm sorry, but I can't …\", no JSON)",
        "what the user sees": _COUNTED_SEES + "; ledger status `refusal` (counted in the seed's `ledger.refusals`)",
        "what is kept": "the answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "SORRY", "status": "refusal", "count": "refusals", "cached": True},
    },
    {
        "id": "llm-empty",
        "fault": "LLM answers one request with an empty message",
        "what the user sees": _COUNTED_SEES + "; ledger status `empty`",
        "what is kept": "the empty answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "EMPTY", "status": "empty", "cached": True},
    },
    {
        "id": "llm-unparseable",
        "fault": "LLM answers one request with prose and no JSON",
        "what the user sees": _COUNTED_SEES + "; ledger status `prose` (the answer has no JSON object)",
        "what is kept": "the answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "JUNK", "status": "prose", "cached": True},
    },
    {
        "id": "llm-broken-json",
        "fault": "LLM answers one request with a JSON object cut short",
        "what the user sees": _COUNTED_SEES + "; ledger status `no_json` (braces that do not parse)",
        "what is kept": "the answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "BROKEN", "status": "no_json", "cached": True},
    },
    {
        "id": "llm-wrong-key",
        "fault": 'LLM answers one request with JSON under another key (`{"edited_text": …}`)',
        "what the user sees": _COUNTED_SEES + "; ledger status `wrong_key`",
        "what is kept": "the answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "WRONGKEY", "status": "wrong_key", "cached": True},
    },
    {
        "id": "llm-unchanged",
        "fault": "LLM answers one request with the text unchanged",
        "what the user sees": _COUNTED_SEES + "; ledger status `unchanged`",
        "what is kept": "the answer, cached (not asked again)",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "SAME", "status": "unchanged", "cached": True},
    },
    {
        "id": "llm-400",
        "fault": "LLM endpoint rejects one prompt (HTTP 400, e.g. content filter or too long)",
        "what the user sees": _COUNTED_SEES + "; ledger status `error`",
        "what is kept": "nothing for that prompt (a re-run asks again); the error in ledger.jsonl",
        "test": f"{_LLM}::test_request_faults_are_counted_not_fatal",
        "setup": {"marker": "E400", "status": "error", "count": "errors", "cached": False},
    },
    # --- LLM endpoint faults: the counterfactuals stage ----------------------------------------------------
    {
        "id": "stage-refused",
        "fault": "counterfactuals stage (`backend: llm`, `fallback: none`) against an endpoint nobody listens on",
        "what the user sees": "`cod run` / `dvc repro` exit 1: `40_counterfactuals.py failed in cell N: EndpointError: "
        "counterfactuals.llm: N of N requests to <endpoint> failed …` and the path of the executed notebook",
        "what is kept": "no CoD set, no metrics (DVC caches nothing); the executed notebook with the traceback",
        "test": f"{_CFE}::test_unreachable_endpoint_fails_the_stage_and_writes_nothing",
        "expect": ["EndpointError: counterfactuals.llm: ", "requests to {url} failed", "APIConnectionError"],
    },
    {
        "id": "stage-5xx-second-seed",
        "fault": "counterfactuals stage: the endpoint answers seed 0, then fails with HTTP 503 during seed 1",
        "what the user sees": "EndpointError naming the endpoint and the count (as above); the re-run after the "
        "endpoint recovers sends only seed 1's requests",
        "what is kept": "no CoD set of any seed (nothing written before all seeds are done); seed 0's answers in "
        "data/llm_cache",
        "test": f"{_CFE}::test_endpoint_failing_mid_stage_keeps_answers_and_writes_nothing",
        "expect": ["requests to {url} failed after 0 retries", "(503: "],
        "setup": {"status": 503},
    },
    # --- an endpoint answering mostly garbage: counted by reason, the fallback's CFEs named -------------------
    {
        "id": "stage-garbage-fallback",
        "fault": "counterfactuals stage (`backend: llm`, `fallback: editor`) against an endpoint answering mostly "
        "garbage (refusals, prose, empty, wrong key, the text unchanged; one answer in seven usable)",
        "what the user sees": "each per-CFE record names its maker (`generator`: `llm` or `editor:semantic`); each "
        "set's metrics.json has `made_by`, `fallback_cfes`, `fallback_share`; the verdict states per arm the CFEs "
        "a fallback made and marks § a cell whose arm is > 50 % fallback, its kind shown as `llm → editor fallback "
        "(n/m)` in the tables, samples (`(by the fallback editor:semantic)` per row) and paper comparison; 0 "
        "garbage CFEs kept",
        "what is kept": "the CoD sets (the LLM's valid CFEs and the editor's); every answer in data/llm_cache",
        "test": f"{_CFE}::test_garbage_endpoint_counts_each_seed_by_reason_and_names_the_fallback",
        "expect": ["originals got their CFE from the fallback editor instead"],
    },
    {
        "id": "stage-garbage-answers",
        "fault": "the same endpoint: most answers of the stage unusable",
        "what the user sees": "one warning line: `counterfactuals.llm: N of M answers over S seed(s) were unusable "
        "(refusal a, empty b, prose c, no JSON d, wrong key e, unchanged f, error g); …`; each seed's metrics.json "
        "`ledger` counts that seed's requests only, by status, and `answers` every answer it used, by reason",
        "what is kept": "ledger.jsonl: each request's status (`ok`, `refusal`, `empty`, `prose`, `no_json`, "
        "`wrong_key`, `unchanged`, `error`), never an unusable answer as `ok`",
        "test": f"{_CFE}::test_garbage_endpoint_counts_each_seed_by_reason_and_names_the_fallback",
        "expect": [
            "counterfactuals.llm: ",
            "answers over 2 seed(s) were unusable (refusal ",
            ", prose ",
            ", wrong key ",
        ],
    },
    {
        "id": "verdict-mostly-fallback",
        "fault": "an LLM arm whose kept CFEs are 11 of 12 the fallback editor's",
        "what the user sees": "verdict gain marked § with the footnotes `CFEs made by a fallback … llm arm (`cod`), "
        "d k=8: 11 of 12 (92%) by editor:semantic §` and what § means; the kind reads `llm → editor fallback "
        "(11/12)`; the CFE-quality table's `made by a fallback` column `11/12 (92%)`",
        "what is kept": "the verdict itself (a flag, not an exclusion)",
        "test": "tests/report/test_verdict.py::test_a_mostly_fallback_arm_is_flagged_and_named_as_what_it_is",
        "expect": ["11 of 12 (92%) by editor:semantic §", "llm → editor fallback (11/12)"],
    },
    # --- offensive words ------------------------------------------------------------------------------------
    {
        "id": "editor-offensive",
        "fault": 'the editor\'s last-resort antonyms reach a word of an offensive-word list ("oral" → "anal")',
        "what the user sees": "nothing: the candidate is dropped before scoring (glin-profanity's English list; a word "
        "the original already has is not filtered), so the editor tries its other edits",
        "what is kept": "CFEs without the offensive replacement",
        "test": "tests/training/test_operators.py::test_the_editor_never_proposes_an_offensive_word",
        "setup": {"text": "an oral history of the film", "slot": 1, "word": "anal"},
    },
    # --- LLM response cache key ----------------------------------------------------------------------------
    {
        "id": "key-base-url",
        "fault": "two endpoints serve the same model name (`counterfactuals.llm.base_url` changed)",
        "what the user sees": "the new endpoint is asked; no answer of the other endpoint is reused",
        "what is kept": "both endpoints' answers, under different keys, in data/llm_cache",
        "test": f"{_LLM}::test_two_endpoints_with_one_model_name_do_not_share_answers",
    },
    {
        "id": "key-gguf",
        "fault": "two quantisations of one local model (`counterfactuals.local.gguf_file` changed)",
        "what the user sees": "the other quantisation generates its own answers (a cache miss)",
        "what is kept": "both quantisations' answers, under different keys, in data/llm_cache",
        "test": f"{_LLM}::test_cache_key_separates_what_changes_an_answer",
        "setup": {"backend": "local", "change": {"gguf_file": "model-Q8_0.gguf"}},
    },
    {
        "id": "key-env-base-url",
        "fault": "`base_url: null` but `$OPENAI_BASE_URL` points the client at another server",
        "what the user sees": "that server is asked; answers of api.openai.com are not reused",
        "what is kept": "both servers' answers, under different keys, in data/llm_cache",
        "test": f"{_LLM}::test_cache_key_separates_what_changes_an_answer",
        "setup": {"env": {"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}},
    },
    # --- gold labels in prompts ----------------------------------------------------------------------------
    {
        "id": "gold-teacher-wrong",
        "fault": "`llm.label_source: gold` on an original the teacher misclassifies",
        "what the user sees": "the prompt asks gold → the other class, never `Current label: X, Target label: X`; "
        "the CFE is kept only if the teacher's prediction changes",
        "what is kept": "the answer, cached; the original counted without a valid CFE when the teacher is not moved",
        "test": f"{_LLM}::test_prompts_never_ask_to_change_a_label_into_itself",
        "setup": {"label_source": "gold"},
    },
    {
        "id": "teacher-tie",
        "fault": "`llm.label_source: teacher` on an original the teacher scores as an exact tie",
        "what the user sees": "the prompt's target is the other class (before: the current class again)",
        "what is kept": "the answer, cached",
        "test": f"{_LLM}::test_prompts_never_ask_to_change_a_label_into_itself",
        "setup": {"label_source": "teacher"},
    },
    # --- CFE set / CFE label pairing -----------------------------------------------------------------------
    {
        "id": "keep-all-teacher-label",
        "fault": "`counterfactuals.keep: all` with `distill.cfe_label: teacher` (the 1 − y labels would be dropped)",
        "what the user sees": "`cod check` (and every stage) exit 2, one line naming both keys and the fix "
        "(`set distill.cfe_label: flip, or counterfactuals.keep: valid`)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_cli_check_refuses_a_cfe_set_and_label_that_do_not_pair",
        "expect": ["counterfactuals.keep: all with distill.cfe_label: teacher", "set distill.cfe_label: flip"],
        "setup": {"keep": "all", "cfe_label": "teacher"},
    },
    {
        "id": "keep-valid-flip-label",
        "fault": "`counterfactuals.keep: valid` with `distill.cfe_label: flip` (1 − y on teacher-verified flips)",
        "what the user sees": "`cod check` (and every stage) exit 2, one line naming both keys and the fix "
        "(`set distill.cfe_label: teacher, or counterfactuals.keep: all`)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_cli_check_refuses_a_cfe_set_and_label_that_do_not_pair",
        "expect": ["counterfactuals.keep: valid with distill.cfe_label: flip", "set distill.cfe_label: teacher"],
        "setup": {"keep": "valid", "cfe_label": "flip"},
    },
    # --- local data files with holes -----------------------------------------------------------------------
    {
        "id": "local-holes-csv",
        "fault": "local CSV (`data.local.<name>`): a few rows (at most 10 %) with an empty text field or no label",
        "what the user sees": "no error (before: `KeyError: nan`); the prepare notebook prints "
        "`train: dropped 3 of 40 rows (2 with an empty text, 1 with a missing label; rows 3, 6, 7)` and a table "
        "of rows read and dropped per file",
        "what is kept": "every other row; the counts and row numbers in data/prepared/<name>/meta.json "
        "(`dropped_rows`)",
        "test": "tests/unit/test_data.py::test_local_rows_with_empty_text_or_missing_label_are_dropped_and_counted",
        "expect": ["train: dropped 3 of 40 rows (2 with an empty text, 1 with a missing label; rows 3, 6, 7)"],
        "setup": {"fmt": "csv"},
    },
    {
        "id": "local-holes-jsonl",
        "fault": "local JSONL: a few rows with `null` label, or a text that is empty or only whitespace",
        "what the user sees": "as for CSV: the rows are dropped and counted, the notebook shows the count",
        "what is kept": "every other row; the counts and row numbers in meta.json (`dropped_rows`)",
        "test": "tests/unit/test_data.py::test_local_rows_with_empty_text_or_missing_label_are_dropped_and_counted",
        "expect": ["train: dropped 3 of 40 rows (2 with an empty text, 1 with a missing label; rows 3, 6, 7)"],
        "setup": {"fmt": "jsonl"},
    },
    {
        "id": "local-holes-many",
        "fault": "local file where more than 10 % of the rows have an empty text or a missing label "
        "(`cod.data.local.MAX_DROPPED_SHARE`)",
        "what the user sees": "`dvc repro prepare@<name>` exits 1: `10_prepare.py failed in cell N: DataError: "
        "data.local.<name>.files.train: 5 of 40 rows have an empty review or a missing stars (rows 4, 10, 15, 21, "
        "32; …), more than 10% of the file, so it is refused rather than thinned: fill or remove those rows, or "
        "check text_column / label_column`",
        "what is kept": "nothing is written to data/prepared/<name>",
        "test": "tests/unit/test_data.py::test_local_file_with_too_many_holes_is_refused_with_the_row_numbers",
        "expect": [
            "data.local.mine.files.train: 5 of 40 rows have an empty review or a missing stars",
            "(rows 4, 10, 15, 21, 32; row 1 = first record after the header), more than 10% of the file",
        ],
    },
    {
        "id": "local-unknown-label",
        "fault": "local file with a label that is not in the declared `label_names`",
        "what the user sees": "`dvc repro prepare@<name>` exits 1: `… DataError: data.local.<name>.label_names: "
        "label(s) 'meh' (10 in train) are not among the declared label_names ['good', 'bad'] (nor their indices "
        "0..1); add them to label_names or remove those rows`",
        "what is kept": "nothing is written to data/prepared/<name>",
        "test": "tests/unit/test_data.py::test_local_labels_outside_label_names_are_refused_naming_them",
        "expect": ["data.local.mine.label_names: label(s) 'meh' (10 in train) are not among the declared label_names"],
    },
    # --- tracking without a commit -------------------------------------------------------------------------
    {
        "id": "tracking-no-commit",
        "fault": "a git repository without any commit (a tarball unpacked, then `git init`) when a run records its "
        "metrics with dvclive",
        "what the user sees": "no error (before: `SCMError: Empty git repo` stopped the run); dvclive is used "
        "without git, so no DVC experiment is linked (the pipeline never saves one anyway)",
        "what is kept": "the run's metrics.json, per-epoch plots and params.yaml, byte-identical to those of a repo "
        "with commits",
        "test": "tests/unit/test_tracking.py::test_tracking_without_a_commit_writes_what_a_committed_repo_writes",
        "setup": {"commits": 0},
    },
    # --- hash stability ------------------------------------------------------------------------------------
    {
        "id": "forced-rerun",
        "fault": "`dvc repro --force` of unchanged stages on the same machine (prepare and subset here)",
        "what the user sees": "the stages run again; `dvc.lock` stays byte-identical (before: every executed "
        "notebook got a new md5, from timestamps, durations and random cell ids)",
        "what is kept": "dvc.lock, the outputs and the executed notebooks, byte for byte",
        "test": "tests/pipeline/test_hash_stability.py::test_forced_rerun_leaves_dvc_lock_byte_identical",
    },
    # --- device placement ----------------------------------------------------------------------------------
    {
        "id": "device-placement",
        "fault": "a model on one device fed batches on another (before: the teacher stage read the device before "
        "`fit` moved the model, so on CUDA its evaluation fed CPU batches to a GPU model; the scorer kept the CPU)",
        "what the user sees": "nothing: one process-wide accelerator (`cod.training.device.shared_accelerator`) "
        "places every model and batch; training, evaluation, teacher caching and scoring feed the model's device",
        "what is kept": "the same numbers on CPU; on a GPU, every stage (teacher, counterfactuals, distill, tune) "
        "runs on it",
        "test": "tests/training/test_device.py::test_every_forward_gets_its_inputs_on_the_models_device",
    },
    # --- the teacher: one no better than chance stops its stage; small imbalanced data train a real one ----------
    {
        "id": "teacher-constant",
        "fault": "the teacher predicts one class for every validation row (an imbalanced set, too few updates, an "
        "unweighted loss): validation accuracy 85 %, MCC 0",
        "what the user sees": "`dvc repro teacher@<name>` exits 1: `20_teacher.py failed in cell N: DegenerateTeacher: "
        "teacher of <name> is at or near chance on validation: accuracy 85.0%, balanced accuracy 50.0% (needs >= "
        "55.0%: chance 1/2 + teacher.chance_margin 0.05), MCC 0.00 (needs >= 0.2: teacher.min_mcc; chance 0), "
        "predicted classes: positive 20 of 20 (100%), "
        "negative 0 (0%). Fixes: train longer (teacher.min_steps, now 150; teacher.epochs, now 3), weight the classes "
        "(teacher.class_weights: balanced; the loss was unweighted), check the training labels (class_counts in "
        "data/prepared/<name>/meta.json); or set teacher.allow_degenerate: true to go on with this teacher` (before: "
        "the stage passed, and the counterfactual stage spent an hour making 0 CFEs a seed)",
        "what is kept": "nothing in models/teachers/<name> (no model, logits, metrics.json or dvclive record), so DVC "
        "caches nothing; the executed notebook keeps the traceback",
        "test": f"{_TEACHER}::test_a_constant_teacher_stops_the_stage_and_writes_nothing",
        "expect": [
            "teacher of rt_sentences is at or near chance on validation: accuracy 85.0%, balanced accuracy 50.0% "
            "(needs >= 55.0%: chance 1/2 + teacher.chance_margin 0.05), MCC 0.00 (needs >= 0.2: teacher.min_mcc; "
            "chance 0), predicted classes: positive 20 of 20 (100%), negative 0 (0%). Fixes: train longer "
            "(teacher.min_steps, now 150; teacher.epochs, now 3)",
            "weight the classes (teacher.class_weights: balanced; the loss was unweighted)",
            "or set teacher.allow_degenerate: true to go on with this teacher",
        ],
        "setup": {"allow_degenerate": False},
    },
    {
        "id": "teacher-constant-allowed",
        "fault": "the same constant teacher, kept on purpose with `teacher.allow_degenerate: true`",
        "what the user sees": "no error: a UserWarning with the same numbers and fixes, ending `(kept: "
        "teacher.allow_degenerate is true)`",
        "what is kept": "the teacher, its logits, metrics.json (validation_balanced_accuracy 0.5, validation_mcc 0.0) "
        "and its dvclive record",
        "test": f"{_TEACHER}::test_a_constant_teacher_stops_the_stage_and_writes_nothing",
        "expect": ["balanced accuracy 50.0%", "(kept: teacher.allow_degenerate is true)"],
        "setup": {"allow_degenerate": True},
    },
    {
        "id": "teacher-imbalanced-unweighted",
        "fault": "small imbalanced training data (60 rows, 85 / 15 %) trained as before: one epoch (8 updates), "
        "unweighted loss (`teacher.class_weights: none`, `teacher.min_steps: 0`)",
        "what the user sees": "the stage stops with the message above: a real (tiny) teacher predicting the majority "
        "class, accuracy 85.0%, balanced accuracy 50.0%, MCC 0.00",
        "what is kept": "nothing in models/teachers/<name>",
        "test": f"{_TEACHER}::test_small_imbalanced_data_train_a_real_teacher",
        "expect": ["accuracy 85.0%, balanced accuracy 50.0%", "MCC 0.00", "the loss was unweighted"],
        "setup": {"class_weights": "none", "min_steps": 0},
    },
    {
        "id": "teacher-imbalanced-weighted",
        "fault": "the same data with the defaults: `teacher.class_weights: auto` (85 / 15 % exceeds "
        "`teacher.imbalance_ratio` 1.5, so each class weighs n / (C·n_c)) and a minimum of updates "
        "(`teacher.min_steps`, 40 here: 5 epochs)",
        "what the user sees": "no error: a teacher well above chance (validation balanced accuracy >= 55 %, MCC > 0.2)",
        "what is kept": "the teacher; its metrics.json records the class weights, `epochs_run` and `selected_by: "
        "validation balanced_accuracy` (a weighted loss picks its best epoch by balanced accuracy)",
        "test": f"{_TEACHER}::test_small_imbalanced_data_train_a_real_teacher",
        "expect": [],
        "setup": {"class_weights": "auto", "min_steps": 40},
    },
    # --- studies: bad settings or protocols stop `cod study run` before any work ---------------------------
    {
        "id": "study-unknown",
        "fault": "`cod study run NAME` for a study that does not exist",
        "what the user sees": "exit 2, one line: `no study 'NAME' (studies/NAME/params.yaml); known studies: [...]`",
        "what is kept": "everything: nothing is created",
        "test": f"{_STUDY}::test_study_faults_stop_with_one_message",
        "expect": ["no study 'nope'", "known studies: ['s']"],
        "setup": {"name": "nope"},
    },
    {
        "id": "study-bad-key",
        "fault": "a study's settings name a key params.yaml does not have (`grid.seedz`)",
        "what the user sees": "exit 2, one message naming `studies/NAME/params.yaml (over params.yaml)` and the key",
        "what is kept": "everything: no workspace is made, nothing runs",
        "test": f"{_STUDY}::test_study_faults_stop_with_one_message",
        "expect": ["study s: studies/s/params.yaml (over params.yaml)", "seedz"],
        "setup": {"settings": {"grid": {"seedz": [1]}}},
    },
    {
        "id": "study-protocol-incomplete",
        "fault": "a study's protocol lacks a required section (e.g. no `## Verdict rule`)",
        "what the user sees": "exit 2, one message naming the missing sections and the ones every protocol states",
        "what is kept": "everything: no workspace is made, nothing runs",
        "test": f"{_STUDY}::test_study_faults_stop_with_one_message",
        "expect": ["lacks the section(s) ['Verdict rule']"],
        "setup": {"drop": "Verdict rule"},
    },
    {
        "id": "study-protocol-uncommitted",
        "fault": "a study's protocol or settings have uncommitted changes (a result would predate the frozen protocol)",
        "what the user sees": "exit 2, one message: commit them first (`git add studies/NAME && git commit`) or run "
        "with --exploratory, whose results are marked exploratory in every report",
        "what is kept": "everything: no workspace is made, nothing runs",
        "test": f"{_STUDY}::test_study_faults_stop_with_one_message",
        "expect": ["not committed", "--exploratory"],
        "setup": {"uncommitted": True},
    },
    {
        "id": "study-stale-deps",
        "fault": "dvc.yaml's code deps miss a module a stage now imports (a study copies dvc.yaml, so its stages "
        "would not re-run on that code)",
        "what the user sees": "exit 2, one message naming the stage and the module: run `cod deps` and commit "
        "dvc.yaml first",
        "what is kept": "everything: no workspace is made, nothing runs",
        "test": f"{_STUDY}::test_study_faults_stop_with_one_message",
        "expect": ["dvc.yaml's code deps are stale", "run `cod deps`"],
        "setup": {"stale_deps": True},
    },
    # --- messages: one line per problem, the primary problem first -----------------------------------------
    {
        "id": "check-string-lr",
        "fault": '`distill.lr: "fast"` (neither a number nor `tuned`)',
        "what the user sees": "`cod check` (and every stage) exit 2, one line: `params.yaml: distill.lr: 'fast' is "
        "not a valid value. Allowed: a number or 'tuned'` (before: three lines, one per member of pydantic's union)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_cod_check_lists_every_problem_one_line_each_primary_first",
        "expect": ["distill.lr: 'fast' is not a valid value. Allowed: a number or 'tuned'"],
        "setup": {"params": {"distill": {"lr": "fast"}}},
    },
    {
        "id": "check-every-problem",
        "fault": "a 3-seed grid at k = 12 with `tune.sensitivity_seeds: 6` and `tune.sensitivity_k: [8]` set (null, "
        "the default, follows the grid)",
        "what the user sees": "`cod check` exit 2 listing both problems at once, one line each: "
        "`tune.sensitivity_seeds: 6 is more than the 3 grid.seeds …; set it to at most 3` and "
        "`tune.sensitivity_k: [8] are not in grid.k [12] …` (before: one per round)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_cod_check_lists_every_problem_one_line_each_primary_first",
        "expect": [
            "tune.sensitivity_seeds: 6 is more than the 3 grid.seeds it is taken from; set it to at most 3",
            "tune.sensitivity_k: [8] are not in grid.k [12]; pick k from grid.k",
        ],
        "setup": {
            "params": {"grid": {"seeds": [0, 1, 2], "k": [12]}, "tune": {"sensitivity_seeds": 6, "sensitivity_k": [8]}}
        },
    },
    {
        "id": "check-k-beyond-data",
        "fault": "`grid.k: [100000]`, more examples per class than the data has (`tune.sensitivity_k: [8]` set)",
        "what the user sees": "`cod check` exit 2, the real problem first: `grid.k: k=100000 needs k/2=50000 examples "
        "per class, but class 'negative' of rt_sentences's training split has only 1400. Allowed for rt_sentences: "
        "k <= 2800`, then `tune.sensitivity_k: [8] are not in grid.k [100000]` (before: only the second, and the "
        "first after it was fixed)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_cod_check_lists_every_problem_one_line_each_primary_first",
        "expect": [
            "grid.k: k=100000 needs k/2=50000 examples per class",
            "tune.sensitivity_k: [8] are not in grid.k [100000]",
        ],
        "setup": {"params": {"grid": {"k": [100000]}, "tune": {"sensitivity_k": [8]}}},
    },
    {
        "id": "check-yaml-syntax",
        "fault": "params.yaml that is not valid YAML (e.g. an unclosed `[`)",
        "what the user sees": "`cod check` (and every stage) exit 2, one line: `params.yaml is not valid YAML: "
        "expected ',' or ']', but got '<stream end>' at line 2, column 1 (while parsing a flow sequence started at "
        "line 1, column 7)` (before: the parser's seven-line report with excerpts)",
        "what is kept": "nothing runs",
        "test": f"{_CONFIG}::test_invalid_yaml_is_one_message",
        "expect": [
            "expected ',' or ']', but got '<stream end>' at line 2, column 1 (while parsing a flow sequence started "
            "at line 1, column 7)"
        ],
        "setup": {"text": "grid: [unclosed\n"},
    },
    {
        "id": "local-header-only",
        "fault": "local CSV (`data.local.<name>`) with a header and no data rows",
        "what the user sees": "`dvc repro prepare@<name>` exits 1: `10_prepare.py failed in cell N: DataError: "
        "data.local.<name>.files.train: data/raw/<file>.csv has no data rows (a header only, or nothing); add "
        "labelled rows to it or name another file here` (before: `needs at least two classes, found []`)",
        "what is kept": "nothing is written to data/prepared/<name>",
        "test": "tests/unit/test_data.py::test_local_file_without_data_rows_is_refused_naming_it",
        "expect": [
            "data.local.mine.files.train: {rel} has no data rows (a header only, or nothing); add labelled rows to "
            "it or name another file here"
        ],
        "setup": {"file": "mine.csv", "content": "review,stars\n"},
    },
    {
        "id": "local-empty-file",
        "fault": "local JSONL or CSV file that is empty (0 bytes)",
        "what the user sees": "as for a header-only file: `… has no data rows (a header only, or nothing) …` "
        "(before: `column(s) [...] not found; available columns: []`, or for a CSV pandas' `No columns to parse from "
        "file`)",
        "what is kept": "nothing is written to data/prepared/<name>",
        "test": "tests/unit/test_data.py::test_local_file_without_data_rows_is_refused_naming_it",
        "expect": [
            "data.local.mine.files.train: {rel} has no data rows (a header only, or nothing); add labelled rows to "
            "it or name another file here"
        ],
        "setup": {"file": "mine.jsonl", "content": ""},
    },
    {
        "id": "stage-kernel-noise",
        "fault": "a stage that fails in a cell, e.g. prepare on a local file with one class only",
        "what the user sees": "`cod run` / `dvc repro` exit 1 with the error and the path of its traceback only: "
        "`10_prepare.py failed in cell N: DataError: one: needs at least two classes, found ['good']` (before: in "
        "about one run of three a stray `[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.` line came first, "
        "from the interrupt jupyter_client sends an idle kernel before shutting it down; it is no longer sent)",
        "what is kept": "the executed notebook with the traceback; nothing is written to data/prepared/<name>",
        "test": "tests/notebooks/test_runner.py::test_a_failing_stage_prints_only_its_error",
        "expect": ["error: 10_prepare.py failed in cell 3: DataError: one: needs at least two classes, found ['good']"],
        "setup": {"tries": 3},
    },
    {
        "id": "hub-offline-teacher",
        "fault": "`teacher.model` names a hub id that is not in the local cache while the hub cannot be reached "
        "(no network, or `HF_HUB_OFFLINE=1`)",
        "what the user sees": "the teacher stage exits 1 with one line: `ConfigError: teacher.model: model '<id>' was "
        "not found locally (no such folder, not in the Hugging Face cache) and the hub https://huggingface.co cannot "
        "be reached; use a packaged model that works offline (embedded:all-MiniLM-L6-v2), a local folder holding the "
        "model, or a network connection with HF_HUB_OFFLINE unset` (before: `OSError: We couldn't connect to "
        "'https://huggingface.co' …` over two lines, naming neither the key nor the model)",
        "what is kept": "nothing is written for the stage",
        "test": "tests/models/test_hub.py::test_an_unknown_model_id_offline_is_one_line_naming_its_key",
        "expect": ["teacher.model: ", *_HUB_MISS],
        "setup": {"field": "teacher.model"},
    },
    {
        "id": "hub-offline-student",
        "fault": "`distill.student` names a hub id that is neither cached nor reachable",
        "what the user sees": "the distill (and tune) stages exit 1 with the same one line naming `distill.student`; "
        "`counterfactuals.fluency_lm` likewise names its key and the packaged `embedded:gemma-3-270m`",
        "what is kept": "nothing is written for the stage",
        "test": "tests/models/test_hub.py::test_an_unknown_model_id_offline_is_one_line_naming_its_key",
        "expect": ["distill.student: ", *_HUB_MISS],
        "setup": {"field": "distill.student"},
    },
    {
        "id": "verdict-excluded-target",
        "fault": "a verdict cell excluded because its CoD arm trained on fewer than `report.min_cfe_share` of its "
        "CFEs, whose interval is narrow enough for the target",
        "what the user sees": 'reports/tables/verdict.md shows `–` under "target met" and `excluded (CFE budget)` '
        "as the verdict (before: `yes`, as if the excluded cell had met the target)",
        "what is kept": "the cell's numbers (gain, interval, half-width) in the table and in "
        "results/aggregate/verdict.csv",
        "test": "tests/report/test_verdict.py::test_an_excluded_cell_does_not_say_the_target_is_met",
        "expect": ["| 3/3 | 2.5 | – | excluded (CFE budget) |"],
    },
]


def cases(test: str) -> list[dict[str, Any]]:
    """The cases run by ``test`` (a node id ``path::function``); none is an error, so a renamed test is noticed."""
    found = [c for c in CASES if c["test"] == test]
    if not found:
        raise LookupError(f"no reliability case names the test {test!r}")
    return found


def ids(case: dict[str, Any]) -> str:
    """The pytest id of a case."""
    return case["id"]


def markdown() -> str:
    """The reliability table as Markdown, one row per case, in the order of ``CASES``."""
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return head + "".join("| " + " | ".join(cell(c[col]) for col in COLUMNS) + " |\n" for c in CASES)


DOC = "docs/reliability.md"
DOC_HEAD = """# Reliability: what each fault or bad input does

Generated from `tests/reliability_cases.py` (the cases the tests are parametrised from; every row is a
case that ran) by `python -m tests.reliability_cases`; `tests/unit/test_reliability_cases.py` fails when
this file and the cases disagree. Do not edit by hand.

"""


def document() -> str:
    """docs/reliability.md: a short header and the reliability table."""
    return DOC_HEAD + markdown()


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[1] / DOC
    target.write_text(document())
    print(f"wrote {target} ({len(CASES)} cases)")
