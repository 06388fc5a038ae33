"""The alert drop directory is writable from inside the sandbox: what the agent plants there is
filed as the client's word, never followed to a file the sandbox hides, never waited on."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from crane.guard.run.alerts import import_dropped
from crane.guard.run.redact import Redactor

SECRET_LINE = "hidden-from-the-sandbox-5e1a"


def file_all(drop: Path, state: Path) -> int:
    return import_dropped(drop, state_dir=state, redactor=Redactor.from_environ({}), run_id="r1",
                          venture="alpha", env="dev")


def filed_errors(state: Path) -> list[str]:
    lines = (state / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["error"] for line in lines]


def test_a_plain_dropped_alert_is_filed(tmp_path: Path) -> None:
    drop, state = tmp_path / "drop", tmp_path / "state"
    drop.mkdir()
    (drop / "a.alert").write_text("error=guard unreachable\nagent=claude\n", encoding="utf-8")
    assert file_all(drop, state) == 1
    assert filed_errors(state) == ["guard unreachable"]
    assert os.listdir(drop) == []


def test_a_symlinked_alert_is_not_followed_to_a_hidden_file(tmp_path: Path) -> None:
    drop, state, hidden = tmp_path / "drop", tmp_path / "state", tmp_path / "prod.env"
    drop.mkdir()
    hidden.write_text(f"error={SECRET_LINE}\n", encoding="utf-8")
    (drop / "a.alert").symlink_to(hidden)
    assert file_all(drop, state) == 1
    assert SECRET_LINE not in (state / "alerts.jsonl").read_text(encoding="utf-8")
    assert "not a regular file" in filed_errors(state)[0]
    assert os.listdir(drop) == [] and hidden.exists()


def test_a_fifo_in_the_drop_dir_does_not_block_filing(tmp_path: Path) -> None:
    drop, state = tmp_path / "drop", tmp_path / "state"
    drop.mkdir()
    os.mkfifo(drop / "a.alert")
    (drop / "b.alert").write_text("error=later alert\n", encoding="utf-8")
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(file_all(drop, state)), daemon=True)
    worker.start()
    worker.join(60)  # not a speed limit: before the fix, opening the FIFO never returned
    assert done == [2]
    assert "later alert" in filed_errors(state)
    assert os.listdir(drop) == []
