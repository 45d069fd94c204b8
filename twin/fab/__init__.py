"""Fabs: products with re-entrant routes over tool groups, orders, setups, calendars (issue 13).

The plant layer of a fab, pure Python (no Warp): ``twin.fab.Fab`` holds products and their routes,
tool groups, orders, setup matrices, breakdown and PM calendars, transport times and an initial
WIP; ``twin.fab.load_smt2020(path)`` reads an SMT2020 dataset into one, ``load_fab_file(path)``
a fab TOML file (the bundled ``minifab``). ``offered_load`` gives
each tool group's offered work from the routes and release rates. See docs/fab.md.
"""

from .products import Step, Route, Product, PER_LOT, PER_WAFER, PER_BATCH
from .tools import ToolGroup, SetupMatrix, Breakdown, PMCalendar, Transport
from .orders import Order, WipLot
from .fab import Fab
from .load import offered_load, availability, visits
from .smt2020 import load_smt2020, UNMODELLED
from .simulate import simulate, FabResults, UnmodelledWarning
from .scene import load_fab_file, bundled_fabs
from .plots import fab_plot

__all__ = ["Step", "Route", "Product", "PER_LOT", "PER_WAFER", "PER_BATCH", "ToolGroup",
           "SetupMatrix", "Breakdown", "PMCalendar", "Transport", "Order", "WipLot", "Fab",
           "offered_load", "availability", "visits", "load_smt2020", "UNMODELLED", "simulate", "FabResults",
           "UnmodelledWarning", "load_fab_file", "bundled_fabs", "fab_plot"]
