"""Event logs: hand-computed events of a hand-built recording; replaying a simulated
recording's events gives back its frames; CSV, Parquet and OCEL 2.0 JSON carry the same events;
the OCEL log has the structure the OCEL 2.0 JSON specification requires."""

import csv
import json
from datetime import datetime

import numpy as np
import pytest

import twin
from twin.export.events import COLUMNS, event_table, ocel_log, write_events
from twin.recording import STATUS_NAMES, Recorded
from twin.scenes import scene_path


def hand_recording(replica=0):
    """Two elements over four frames 10 s apart: a machine idle, busy, busy, blocked (holding
    0, 1, 1, 1) and a buffer whose level goes 0, 2, 1, 1; a robot that picks at frame 2."""
    times = np.array([100.0, 110.0, 120.0, 130.0])
    status = np.array([[0, 0, 0], [1, 1, 0], [1, 1, 1], [2, 1, 1]], np.int8)
    held = np.array([[0, 0, 0], [1, 2, 0], [1, 1, 1], [1, 1, 1]], np.int32)
    robots = {"arm": {"joints": np.zeros((4, 2)), "links": np.zeros((4, 3, 3)), "holding": np.array([0, 0, 1, 1])}}
    return Recorded(replica, times, ["m1", "b1", "arm"], ["machine", "buffer", "robot"], status, held,
                    robots=robots)


def test_hand_built_recording_gives_the_hand_computed_events():
    table = event_table(hand_recording())
    rows = list(zip(*(table[c] for c in ("time_s", "element", "event", "from_state", "to_state", "held", "count"))))
    assert rows == [
        (100.0, "m1", "recording start", "", "idle", 0, 0),
        (100.0, "b1", "recording start", "", "idle", 0, 0),
        (100.0, "arm", "recording start", "", "idle", 0, 0),
        (110.0, "m1", "state change", "idle", "busy", 1, 1),
        (110.0, "m1", "parts in", "", "", 1, 1),
        (110.0, "b1", "state change", "idle", "busy", 2, 1),
        (110.0, "b1", "parts in", "", "", 2, 2),
        (120.0, "b1", "parts out", "", "", 1, 1),
        (120.0, "arm", "state change", "idle", "busy", 1, 1),
        (120.0, "arm", "parts in", "", "", 1, 1),
        (120.0, "arm", "pick", "", "", 1, 1),
        (130.0, "m1", "state change", "busy", "blocked", 1, 1),
    ]
    assert set(table["part_id"]) == {""} and set(table["product"]) == {""}   # not known from frames
    assert set(table["replica"]) == {0}


@pytest.fixture(scope="module")
def recorded():
    scene = twin.load_scene(scene_path("electronics_assembly"))
    recs = []
    for k in (0, 1):
        res = scene.simulate(replicas=k + 1, horizon=900.0, warmup=0.0, seed=4, device="cpu",
                             record=twin.Recording(replica=k, start=600.0, end=900.0, every=3.0))
        recs.append(res.recording)
    return scene.plant, recs


def test_replaying_the_events_gives_back_every_frame(recorded):
    plant, recs = recorded
    table = event_table(recs, plant)
    assert sorted(set(table["replica"])) == [0, 1]
    n_changes = 0
    for rec in recs:
        for i, name in enumerate(rec.names):
            state, held, holding = None, None, 0
            rows = [k for k in range(len(table["time_s"])) if table["replica"][k] == rec.replica
                    and table["element"][k] == name and not table["unit"][k]]
            times = [table["time_s"][k] for k in rows]
            assert times == sorted(times)
            for f, t in enumerate(rec.times):
                for k in (k for k in rows if table["time_s"][k] == t):
                    ev = table["event"][k]
                    if ev == "recording start":
                        state, held = table["to_state"][k], table["held"][k]
                    elif ev == "state change":
                        assert table["from_state"][k] == state
                        state = table["to_state"][k]
                        n_changes += 1
                    elif ev in ("parts in", "parts out"):
                        d = table["count"][k] * (1 if ev == "parts in" else -1)
                        assert table["held"][k] == held + d
                        held = table["held"][k]
                    elif ev in ("pick", "place"):
                        holding += table["count"][k] * (1 if ev == "pick" else -1)
                assert state == STATUS_NAMES[rec.status[f, i]], (name, t)
                assert held == rec.held[f, i], (name, t)
                if name in rec.robots:
                    assert holding == rec.robots[name]["holding"][f]
    assert n_changes >= 20, "the window should hold state changes to replay"


def test_csv_and_parquet_hold_the_table(recorded, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    plant, recs = recorded
    table = event_table(recs, plant)
    with write_events(recs, tmp_path / "ev.csv", plant).open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(table["time_s"]) > 50
    for c, col in enumerate(COLUMNS):
        assert [r[c] for r in rows[1:]] == [str(v) for v in table[col]], col
    back = pq.read_table(write_events(recs, tmp_path / "ev.parquet", plant)).to_pydict()
    assert back == table


def check_ocel2(log: dict) -> None:
    """The OCEL 2.0 JSON format (ocel-standard.org, JSON schema of OCEL 2.0): required keys and
    types, declared types and attributes, and relationships to existing objects."""
    allowed = {"string", "time", "integer", "float", "boolean"}
    assert set(log) >= {"objectTypes", "eventTypes", "objects", "events"}
    declared = {}
    for group in ("objectTypes", "eventTypes"):
        assert isinstance(log[group], list)
        for t in log[group]:
            assert isinstance(t["name"], str) and isinstance(t["attributes"], list)
            for a in t["attributes"]:
                assert isinstance(a["name"], str) and a["type"] in allowed
            declared[(group, t["name"])] = {a["name"]: a["type"] for a in t["attributes"]}
    python_type = {"string": str, "integer": int, "float": (int, float), "boolean": bool, "time": str}
    ids = set()
    for o in log["objects"]:
        assert isinstance(o["id"], str) and o["id"] not in ids
        ids.add(o["id"])
        attrs = declared[("objectTypes", o["type"])]
        for a in o.get("attributes", []):
            assert isinstance(a["value"], python_type[attrs[a["name"]]])
            datetime.fromisoformat(a["time"])
    event_ids = set()
    for e in log["events"]:
        assert isinstance(e["id"], str) and e["id"] not in event_ids
        event_ids.add(e["id"])
        attrs = declared[("eventTypes", e["type"])]
        datetime.fromisoformat(e["time"])
        for a in e.get("attributes", []):
            assert set(a) == {"name", "value"} and isinstance(a["value"], python_type[attrs[a["name"]]])
        for r in e.get("relationships", []):
            assert set(r) == {"objectId", "qualifier"} and r["objectId"] in ids
    for o in log["objects"]:
        for r in o.get("relationships", []):
            assert set(r) == {"objectId", "qualifier"} and r["objectId"] in ids


def test_ocel_log_has_the_ocel2_structure_and_the_events(recorded, tmp_path):
    plant, recs = recorded
    path = write_events(recs, tmp_path / "ev.jsonocel", plant, t0="2026-03-02T06:00:00")
    log = json.loads(path.read_text())
    check_ocel2(log)
    table = event_table(recs, plant)
    assert len(log["events"]) == len(table["time_s"])
    t0 = datetime.fromisoformat("2026-03-02T06:00:00+00:00")
    for e, k in zip(log["events"], range(len(table["time_s"]))):
        assert e["type"] == table["event"][k]
        assert (datetime.fromisoformat(e["time"]) - t0).total_seconds() == pytest.approx(table["time_s"][k], abs=1e-3)
        element = next(r["objectId"] for r in e["relationships"] if r["qualifier"] == "element")
        assert element == f"r{table['replica'][k]}/{table['element'][k]}"
    # an element's state attribute, at its last change, is its state in the last frame
    objects = {o["id"]: o for o in log["objects"]}
    for rec in recs:
        for i, name in enumerate(rec.names):
            last = objects[f"r{rec.replica}/{name}"]["attributes"][-1]
            assert last["value"] == STATUS_NAMES[rec.status[-1, i]]


def test_ocel_check_catches_a_broken_log():
    log = ocel_log(hand_recording())
    check_ocel2(log)
    broken = json.loads(json.dumps(log))
    broken["events"][0]["relationships"].append({"objectId": "nowhere", "qualifier": "element"})
    with pytest.raises(AssertionError):
        check_ocel2(broken)
    del log["eventTypes"]
    with pytest.raises(AssertionError):
        check_ocel2(log)


def test_bad_input(recorded, tmp_path):
    plant, recs = recorded
    with pytest.raises(twin.TwinError, match="must end in"):
        write_events(recs, tmp_path / "ev.xlsx", plant)
    with pytest.raises(twin.TwinError, match="no folder"):
        write_events(recs, tmp_path / "nope" / "ev.csv", plant)
    with pytest.raises(twin.TwinError, match="another plant"):
        write_events(hand_recording(), tmp_path / "ev.csv", plant)
    with pytest.raises(twin.TwinError, match="ISO 8601"):
        ocel_log(recs, plant, t0="yesterday")
    with pytest.raises(twin.TwinError, match="no recording"):
        event_table(None)


def test_pm4py_reads_the_ocel_log_where_installed(recorded, tmp_path):
    """pm4py is not a dependency; where it is installed, its OCEL 2.0 JSON reader must take the
    log with every event, object and event-to-object relationship."""
    pm4py = pytest.importorskip("pm4py")
    plant, recs = recorded
    path = write_events(recs, tmp_path / "ev.jsonocel", plant)
    log = json.loads(path.read_text())
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == len(log["events"])
    assert len(ocel.objects) == len(log["objects"])
    assert len(ocel.relations) == sum(len(e["relationships"]) for e in log["events"])
    assert sorted(ocel.events["ocel:activity"].unique()) == sorted({e["type"] for e in log["events"]})
