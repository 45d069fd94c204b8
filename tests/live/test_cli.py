"""``twin sync`` and ``twin emulate`` on the command line (twin/live/cli.py): a bad mapping, an
unreachable server or broker, no port or no speed to serve at is one line and exit status 2."""

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


@pytest.mark.parametrize("args, why", [([], "twin emulate: give --opcua-port and/or --mqtt-port"),
                                       (["--opcua-port", "4840", "--speed", "0"], "--speed must be positive, got 0.0")])
def test_emulate_without_a_port_or_with_no_speed_is_one_line_before_it_serves(args, why, capsys):
    code = main(["emulate", "balanced_line", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"twin: error: {why}"]
