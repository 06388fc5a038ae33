"""What an agent session must not be able to reach through crane itself."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.core.helpers import run_crane, write_venture


def test_dotenv_values_are_literal_so_crane_credentials_cannot_leak(tmp_path: Path) -> None:
    token = f"CANARY-{uuid.uuid4()}"
    profiles = tmp_path / "profiles"
    write_venture(profiles, "alpha", prod={"ALPHA_KEY": "v", "LEAK": "${INFISICAL_TOKEN}"})
    result = run_crane(
        "run", "--venture", "alpha", "--profiles-dir", str(profiles), "--",
        "python3", "-c", "import os; print(os.environ['LEAK'])",
        env={"INFISICAL_TOKEN": token},
    )
    assert result.rc == 0, result.err
    assert result.out.strip() == "${INFISICAL_TOKEN}"
    assert token not in result.output


def test_an_agent_session_cannot_start_another_crane_session_even_with_nested(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "beta", prod={"BETA_KEY": f"CANARY-{uuid.uuid4()}"})
    inside_agent = {"CRANE_RUN_ID": str(uuid.uuid4()), "CRANE_AGENT": "1", "CRANE_VENTURE_CODE": "alpha"}
    result = run_crane("run", "--nested", "--venture", "beta", "--profiles-dir", str(profiles), "--", "printenv",
                       env=inside_agent)
    assert result.rc == 1
    assert "inside an agent session" in result.err
    assert "CANARY-" not in result.output


def test_a_person_inside_a_crane_run_may_nest(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "beta", prod={"BETA_KEY": "b"})
    result = run_crane("run", "--nested", "--venture", "beta", "--profiles-dir", str(profiles), "--", "true",
                       env={"CRANE_RUN_ID": str(uuid.uuid4()), "CRANE_VENTURE_CODE": "alpha"})
    assert result.rc == 0, result.err
