"""``twin sync`` on the command line (twin/live/cli.py): a bad mapping or an unreachable server or
broker is one line and exit status 2."""

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.cli import main  # noqa: E402
from twin.live.service import write_mapping  # noqa: E402

from live_support import HOST, free_port, line  # noqa: E402


def test_cli_one_line_errors(tmp_path, capsys):
    p = line()
    write_mapping(p, tmp_path / "map.toml")
    port = free_port()  # nothing listens there
    code = main(["sync", "balanced_line", "--opcua", f"opc.tcp://{HOST}:{port}/", "--mapping", str(tmp_path / "map.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("twin: error:") and "no element" in err[-1]
    scene = twin.load_scene(twin.scenes.scene_path("balanced_line")).plant
    write_mapping(scene, tmp_path / "bl.toml")
    code = main(["sync", "balanced_line", "--opcua", f"opc.tcp://{HOST}:{port}/", "--mapping", str(tmp_path / "bl.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(f"twin: error: cannot reach OPC UA server opc.tcp://{HOST}:{port}/")
    code = main(["sync", "balanced_line", "--mqtt", f"mqtt://{HOST}:{port}/", "--mapping", str(tmp_path / "bl.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(f"twin: error: cannot reach MQTT broker mqtt://{HOST}:{port}/")
