"""Element specs (twin/elements.py): each bad parameter is one PlantError naming element and key."""

import twin
from twin import Buffer, Exponential, Machine, Source

from checks import raises


def test_element_parameter_errors_name_element_and_key():
    raises(lambda: Machine("press", process={"dist": "exponential", "mean": -3}), "element 'press'",
           "key 'process.mean'", "positive")
    raises(lambda: Exponential(-3), "key 'mean'", "positive")  # built alone, it cannot know its element
    raises(lambda: Machine("press", process={"dist": "lognormal", "mean": 5}), "press", "cv")
    raises(lambda: Machine("press", process={"dist": "lognorm", "mean": 5, "cv": 1}), "did you mean 'lognormal'")
    raises(lambda: Machine("press", process={"dist": "gamma", "mean": 5, "cvv": 1}), "did you mean 'cv'")
    raises(lambda: Machine("press", process=Exponential(3), servers=0), "press", "servers", ">= 1")
    raises(lambda: Machine("press", process=Exponential(3), servers=1.5), "servers")
    raises(lambda: Buffer("q", capacity=-1), "element 'q'", "capacity")
    raises(lambda: Machine("press", process="fast"), "press", "process")
    raises(lambda: Machine("m", process=Exponential(3), failures={"tbf": Exponential(9), "ttr": Exponential(1),
                                                                   "mode": "sometimes"}),
           "element 'm'", "failures.mode", "time, operation")
    raises(lambda: Machine("m", process=Exponential(3), routing="random"), "routing", "first_available")
    raises(lambda: twin.Triangular(5, 1, 3), "mode")
    raises(lambda: Machine("m", process=twin.Empirical([])), "samples")
    raises(lambda: Source("s", interarrival=twin.Uniform(5, 5)), "high")
    raises(lambda: Machine("m", process=3, position=[1, "x", 0]), "position")
