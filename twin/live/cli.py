"""``twin forecast``, ``twin emulate`` and ``twin sync``: the live twin on the command line.

    twin forecast SCENE --from snapshot.json --until 8h --replicas 2000 [--target N] [--order lot7=40[@SINK] ...] [--out f.json]
    twin emulate SCENE --opcua-port 4840 [--mqtt-port 1883] --speed 60 [--write-mapping map.toml]
    twin sync SCENE --opcua opc.tcp://127.0.0.1:4840/twin/ --mapping map.toml --every 5min
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ..errors import TwinError


def positive_duration(text: str) -> float:
    """argparse type: a duration > 0 with a unit ("8h", "5min"; bare numbers are seconds)."""
    import argparse
    import math
    from ..units import duration
    try:
        seconds = duration(text)
    except TwinError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"must be a positive duration, got {text!r}")
    return seconds


def add_parser(subparsers) -> None:
    fc = subparsers.add_parser("forecast", help="forecast the output of a line from a snapshot of its state")
    fc.add_argument("scene", help="scene file (TOML) or the name of a bundled scene (see 'twin scenes')")
    fc.add_argument("--from", dest="snapshot", type=Path, required=True, help="snapshot JSON (twin.live.Snapshot)")
    fc.add_argument("--until", type=positive_duration, default=8 * 3600.0, help="horizon from the snapshot (8h)")
    fc.add_argument("--replicas", "-r", type=int, default=2000, help="futures simulated from the snapshot (default 2000)")
    fc.add_argument("--target", type=int, default=None, help="parts: report the probability of reaching it")
    fc.add_argument("--seed", type=int, default=0, help="random seed of the futures (default 0)")
    fc.add_argument("--order", action="append", default=[], metavar="NAME=PARTS[@SINK]",
                    help="an open order or lot, served in the order given: report its finish-time quantiles "
                         "(repeat for several)")
    fc.add_argument("--resolution", type=positive_duration, default=None,
                    help="time grid of the order finish times (default: horizon / 1000)")
    fc.add_argument("--out", type=Path, default=None, help="write the forecast JSON here")
    em = subparsers.add_parser("emulate", help="run one replica as an emulated line served over OPC UA / MQTT")
    em.add_argument("scene", help="scene file (TOML) or the name of a bundled scene (see 'twin scenes')")
    em.add_argument("--opcua-port", type=int, default=None, help="serve the state over OPC UA on this port (127.0.0.1)")
    em.add_argument("--mqtt-port", type=int, default=None, help="start an MQTT broker on this port and publish the state")
    em.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second (60: a minute a second)")
    em.add_argument("--seed", type=int, default=0, help="random seed of the emulated replica (default 0)")
    em.add_argument("--duration", type=positive_duration, default=None, help="stop after this simulated time")
    em.add_argument("--write-mapping", type=Path, default=None, help="write the mapping of the served nodes/topics")
    sy = subparsers.add_parser("sync", help="keep the twin in sync with a line and publish forecasts")
    sy.add_argument("scene", help="scene file (TOML) or the name of a bundled scene (see 'twin scenes')")
    sy.add_argument("--opcua", default=None, help="opc.tcp://HOST:PORT/... of the line's OPC UA server")
    sy.add_argument("--mqtt", default=None, help="mqtt://HOST:PORT/ of the line's broker")
    sy.add_argument("--mapping", type=Path, required=True, help="TOML mapping of elements' fields to nodes/topics")
    sy.add_argument("--every", type=positive_duration, default=300.0, help="forecast period (wall time, 5min)")
    sy.add_argument("--until", type=positive_duration, default=8 * 3600.0, help="forecast horizon (8h)")
    sy.add_argument("--replicas", "-r", type=int, default=2000, help="futures per published forecast (default 2000)")
    sy.add_argument("--target", type=int, default=None, help="output target: publish P(output >= target)")
    sy.add_argument("--cycles", type=int, default=None, help="stop after this many forecasts")
    sy.add_argument("--out", type=Path, default=None, help="also write the latest forecast JSON here")


def _quiet_logs() -> None:
    """The twin's own warnings (rejected values, lost connections) as ``twin: ...`` lines; the
    protocol libraries' chatter (their own tracebacks of a lost connection) hidden."""
    import logging
    import sys
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("twin: %(message)s"))
    live = logging.getLogger("twin.live")
    live.addHandler(handler)
    live.setLevel(logging.WARNING)
    live.propagate = False
    for name in ("asyncua", "amqtt", "transitions"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def run(args) -> int:
    from ..scene import find_scene, load_scene
    if args.command in ("emulate", "sync"):
        _quiet_logs()
    plant = load_scene(find_scene(args.scene)).plant
    if args.command == "forecast":
        from .forecast import forecast
        from .snapshot import Snapshot
        snap = Snapshot.load(args.snapshot)
        snap.check(plant)
        f = forecast(plant, snap, until=args.until, replicas=args.replicas, target=args.target, seed=args.seed,
                     progress=None, orders=args.order, resolution=args.resolution)
        if args.out is not None:
            args.out.write_text(json.dumps(f.to_dict(), indent=1))
        print(f.summary())
        return 0
    if args.command == "emulate":
        from .service import emulate, write_mapping
        if args.opcua_port is None and args.mqtt_port is None:
            raise TwinError("twin emulate: give --opcua-port and/or --mqtt-port")
        if not args.speed > 0:
            raise TwinError(f"--speed must be positive, got {args.speed}")
        if args.write_mapping is not None:
            print(f"mapping: {write_mapping(plant, args.write_mapping)}")
        asyncio.run(emulate(plant, opcua_port=args.opcua_port, mqtt_port=args.mqtt_port, speed=args.speed,
                            seed=args.seed, duration_s=args.duration, status=lambda s: print(s, flush=True)))
        return 0
    from .service import sync
    asyncio.run(sync(plant, args.mapping, opcua=args.opcua, mqtt=args.mqtt, every_s=args.every, until_s=args.until,
                     replicas=args.replicas, target=args.target, out=args.out, cycles=args.cycles,
                     status=lambda s: print(s, flush=True)))
    return 0
