"""When should we service which equipment, and what does each policy cost?

A walk through a maintenance study on the bundled press shop (scenes/press_shop.toml): a press
whose main bearing wears, a belt whose drive wears with its load, two CNC cells whose spindles have
Weibull lives, two technicians.

    python3 examples/maintenance_study.py                 # 200 replicas x 20 days: ~10 min on one CPU core
    python3 examples/maintenance_study.py --replicas 1000 --days 30 --device cuda   # the full study, on a GPU
    python3 examples/maintenance_study.py --replicas 200 --days 14 --out study_out

1. Compare the five policies on the same random numbers (the differences are the policies').
2. Sweep the preventive-service interval and find the cheapest.
3. Record sensor readings of run-to-failure lives and train the remaining-useful-life estimator
   on them; check it on lives it did not see.
"""

import argparse
from pathlib import Path

import numpy as np

import twin
from twin.maintenance import Policy, RULEstimator, SensorLog, compare, rmse, sweep
from twin.scenes import scene_path

HOUR, DAY = 3600.0, 86400.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", type=int, default=200)
    ap.add_argument("--days", type=float, default=20.0)
    ap.add_argument("--out", type=Path, default=Path("maintenance_out"))
    ap.add_argument("--device", default=None)
    args = ap.parse_args()

    scene = twin.load_scene(scene_path("press_shop"))
    plant = scene.plant
    print(f"{plant.name}: {len(plant.health_components())} wearing components, "
          f"{plant.crew.technicians} technicians\n")
    study = {"replicas": args.replicas, "horizon": args.days * DAY, "warmup": 2 * DAY, "seed": 11,
             "device": args.device, "progress": True}

    # 1. Five policies, every component under the same rule. A dict {"element.component": Policy}
    #    would give each component its own.
    policies = {
        "run to failure": Policy.run_to_failure(),
        "service every 150 h of age": Policy.time_based(150 * HOUR),
        "service every 5000 uses": Policy.usage_based(5000),
        "service at vibration 6 mm/s": Policy.condition_based("vibration", 6.0),
        "service 12 h before predicted failure": Policy.predictive(12 * HOUR),
    }
    result = compare(plant, policies, out_dir=args.out / "policies", **study)
    print(result.table())
    print(f"\nCheapest per good unit: {result.best.label}\n")

    # 2. The age-replacement interval: where do failures and preventive services balance?
    intervals = np.linspace(50, 400, 8) * HOUR
    swept = sweep(plant, "time_based", intervals, out_dir=args.out / "interval_sweep", **study)
    print(swept.table())
    print(f"\nBest interval: {swept.best.label}\n")

    # 3. Run-to-failure sensor records of the press bearing, to train an RUL estimator.
    res = twin.simulate(plant, replicas=6, horizon=400 * DAY, seed=3, device=args.device,
                        sensor_log=SensorLog(replicas=6, every=1, max_samples=60_000))
    res.sensors.to_csv(args.out / "sensors.csv")
    lives = [life for r in range(6) for life in res.sensors.lives("press", "main_bearing", replica=r)]
    train, held_out = lives[: len(lives) * 3 // 4], lives[len(lives) * 3 // 4:]
    estimator = RULEstimator(window=6, cap=600, seed=0).fit(train, ["vibration", "temperature", "current"])
    rng = np.random.default_rng(0)
    cuts = [(life[: int(i)], len(life) - int(i)) for life in held_out if len(life) > 12
            for i in rng.integers(8, len(life), size=3)]
    pred = estimator.predict([c for c, _ in cuts])
    truth = np.minimum([t for _, t in cuts], 600)
    print(f"RUL estimator on {len(train)} simulated lives (readings every 10 min), checked on "
          f"{len(cuts)} cuts of {len(held_out)} unseen lives:")
    print(f"  RMSE {rmse(pred, truth) / 6:.1f} h against {rmse(np.full(len(truth), truth.mean()), truth) / 6:.1f} h "
          f"for a constant guess (channels kept: {', '.join(estimator.selected_channels)})")
    print(f"\nResults in {args.out}/ (policies/study.json, interval_sweep/study.json, sensors.csv)")


if __name__ == "__main__":
    main()
