"""``careline incident open|update|resolve|status`` against a migrated database and the stand-in."""

from __future__ import annotations

import requests

from careline.cli.main import main


def test_open_update_resolve_from_the_command_line(engine, add_area, add_customer,
                                                   standin_process, capsys):
    add_area("M1")
    vip = add_customer(area="M1", segment="vip")
    other = add_customer(area="M1")
    opened = ["incident", "open", "INC-CLI", "--area", "M1", "--summary", "no mobile data",
              "--detail", "A fibre cut.", "--eta", "2026-06-01T15:00:00Z", "--critical",
              "--no-rasa"]
    assert main(opened) == 0
    assert "2 sent, 0 failed" in capsys.readouterr().out
    assert main(opened) == 0  # opening again is the same version: nothing sent twice
    assert "already received: nothing sent twice): 0 sent" in capsys.readouterr().out
    assert main(["incident", "update", "INC-CLI", "--version", "1", "--no-rasa"]) == 2
    assert "different content" in capsys.readouterr().out
    assert main(["incident", "resolve", "INC-CLI", "--no-rasa"]) == 0
    assert "2 sent" in capsys.readouterr().out
    assert main(["incident", "status", "INC-CLI"]) == 0
    assert '"sent": 4' in capsys.readouterr().out
    bodies: dict[str, list[str]] = {}
    for message in requests.get(f"{standin_process}/_standin/messages", timeout=5).json():
        bodies.setdefault(message["to"], []).append(message["body"])
    assert [len(bodies[p.msisdn]) for p in (vip, other)] == [2, 2]
    assert "A fibre cut." in bodies[vip.msisdn][0] and "A fibre cut." not in bodies[other.msisdn][0]
    assert all("is fixed" in texts[1] for texts in bodies.values())
    assert main(["incident", "update", "INC-NONE", "--no-rasa"]) == 2
