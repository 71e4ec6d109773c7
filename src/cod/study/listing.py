"""`cod study list`: every study with its protocol commit, results, freshness and run time, as a table."""

from __future__ import annotations

from cod.study import record, render, spec
from cod.study.spec import Study


def row(state: record.State) -> dict[str, str]:
    """One study's line: name, protocol commit, results, state (with the reasons when stale), run time."""
    frozen = state.frozen
    protocol = frozen["protocol"]["short"] if frozen["protocol"] else "not committed"
    if frozen["uncommitted"]:
        protocol += " (uncommitted changes)"
    rec = state.record
    if rec is None:
        results, when = "none", "–"
    else:
        runs = rec.get("runs", [])
        results = f"{runs[-1]['started'][:10]} at {runs[-1].get('commit') or '?'}" if runs else "?"
        if rec.get("exploratory"):
            results += " (exploratory)"
        full = render.full_run(rec)
        when = render.minutes(full["seconds"]) if full else render.minutes(sum(r["seconds"] for r in runs))
    status = state.label + (f": {'; '.join(state.stale)}" if state.stale else "")
    return {"study": state.name, "protocol": protocol, "results": results, "state": status, "run time": when}


def table() -> str:
    """Every study's row as a plain-text table ('no studies' when there are none)."""
    rows = [row(record.state(Study(name))) for name in spec.names()]
    if not rows:
        return "no studies: a study is a folder studies/<name>/ with params.yaml and protocol.md"
    keys = list(rows[0])
    width = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
    lines = ["  ".join(k.ljust(width[k]) for k in keys)]
    lines += ["  ".join(r[k].ljust(width[k]) for k in keys) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
