"""``twin render`` and ``twin animate`` (stub until rendering lands)."""

from ..errors import TwinError


def render_command(args, scene_path) -> int:
    raise TwinError("rendering is not available yet")


def animate_command(args, scene_path) -> int:
    raise TwinError("animation is not available yet")
