"""Element labels placed in the picture: each by its own element, with a leader line, never over
another label, the title, the legend or the scalar bar, and always inside the frame.

Labels are 2-D text in pixels (they do not shrink or vanish with the camera): for each element
the anchor is the top centre of its box projected by the camera (a belt: the middle of its path);
candidate boxes are tried around it, nearest first, and the first that fits is taken (greedy,
left to right); a thin line leads from the anchor to the label. Where nothing fits, the candidate
that overlaps least is taken, so no label is ever left out.
"""

from __future__ import annotations

import numpy as np

PAD = 3            # pixels of free space kept around every label
LINE_COLOR = (0.25, 0.25, 0.25)


def text_px(height: int) -> int:
    """Font size of labels and the clock for a frame ``height`` pixels high: a 50th of it
    (11 px at 540, 14 at 720, 18 at 900), never below 10, so text reads at any frame size."""
    return max(10, int(round(height / 50)))


def _overlap(a, b) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _nearest(box, p) -> np.ndarray:
    return np.array([min(max(p[0], box[0]), box[2]), min(max(p[1], box[1]), box[3])])


class LabelPlacer:
    """The labels of a :class:`twin.render.scene.LineScene`; :meth:`place` (re)does them for the
    scene's current camera. ``boxes``: name -> (x0, y0, x1, y1) and ``anchors``: name -> (x, y),
    display pixels (y up)."""

    def __init__(self, scene):
        self.scene = scene
        self.actors: list = []
        self.boxes: dict = {}
        self.anchors: dict = {}
        self._view = None
        # an interactive view moves the camera: before each render, place the labels again if the
        # camera or the window changed since they were placed
        scene.plotter.renderer.AddObserver("StartEvent", lambda *_: self.follow())

    def view_key(self) -> tuple:
        cam = self.scene.plotter.camera
        return (tuple(np.round(cam.position, 9)), tuple(np.round(cam.focal_point, 9)), tuple(np.round(cam.up, 9)),
                round(float(cam.parallel_scale), 9), tuple(self.scene.plotter.window_size))

    def follow(self) -> None:
        """Places the labels again when the view changed (a no-op otherwise)."""
        if self._view != self.view_key():
            self.place()

    def anchor_world(self, name: str) -> np.ndarray:
        pl = self.scene.layout[name]
        if pl.path is not None:
            seg = np.linalg.norm(np.diff(pl.path, axis=0), axis=1)
            mid = np.searchsorted(np.cumsum(seg), seg.sum() / 2)
            a, b = pl.path[mid], pl.path[min(mid + 1, len(pl.path) - 1)]
            return (a + b) / 2 + np.array([0.0, 0.0, pl.size[2]])
        return pl.top

    def obstacles(self) -> list:
        """Boxes no label may cover: the title, the legend, the scalar bar, the clock, the
        bottleneck markers."""
        w, h = self.scene.size
        out = [(0, h - 0.06 * h, w, h)]                                # title
        if self.scene._legend_box is not None:
            out.append(self.scene._legend_box)
        if self.scene.values:
            out.append((0.88 * w, 0.18 * h, w, 0.82 * h))               # scalar bar and its title
        if self.scene.status_mode:
            out.append((0, 0, 0.45 * w, 0.06 * h))                      # clock
        for name in self.scene.bottlenecks:                             # the bottleneck cones
            top = self.scene.layout[name].top
            corners = [top + (dx, dy, dz) for dx in (-0.3, 0.3) for dy in (-0.3, 0.3) for dz in (0.4, 1.1)]
            p = self.scene.to_display(np.array(corners))
            out.append((p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()))
        return out

    def place(self) -> None:
        from vtkmodules.vtkRenderingCore import vtkTextActor

        scene = self.scene
        plotter = scene.plotter
        for actor in self.actors:
            plotter.renderer.RemoveViewProp(actor)
        self.actors, self.boxes, self.anchors = [], {}, {}
        self._view = self.view_key()
        w, h = scene.size
        font = text_px(h)
        names = list(scene.layout.placements)
        anchors = scene.to_display(np.array([self.anchor_world(n) for n in names]))
        anchors = {n: a for n, a in zip(names, anchors)}
        texts = {}
        for name in names:
            t = vtkTextActor()
            t.SetInput(scene.label_text(name))
            prop = t.GetTextProperty()
            prop.SetFontSize(font)
            prop.SetColor(0.0, 0.0, 0.0)
            prop.SetBackgroundColor(1.0, 1.0, 1.0)
            prop.SetBackgroundOpacity(0.8)
            prop.SetFrame(True)
            prop.SetFrameColor(0.6, 0.6, 0.6)
            prop.SetLineSpacing(1.0)
            size = [0.0, 0.0]
            t.GetSize(plotter.renderer, size)
            texts[name] = (t, size[0] + 2, size[1] + 2)
        blocked = self.obstacles()
        placed: list = []
        for name in sorted(names, key=lambda n: (anchors[n][0], -anchors[n][1])):
            t, tw, th = texts[name]
            ax, ay = anchors[name]
            best, best_cost = None, None
            gap = 0.6 * font
            for level in range(12):
                rise = gap + level * 0.7 * th
                for y0 in (ay + rise, ay - rise - th):
                    for x0 in (ax - tw / 2, ax - tw - gap / 2, ax + gap / 2, ax - tw * 0.1, ax - tw * 0.9):
                        box = (x0, y0, x0 + tw, y0 + th)
                        inside = box[0] >= PAD and box[1] >= PAD and box[2] <= w - PAD and box[3] <= h - PAD
                        if not inside:
                            continue
                        padded = (box[0] - PAD, box[1] - PAD, box[2] + PAD, box[3] + PAD)
                        hit = sum(_overlap(padded, b) for b in placed + blocked)
                        cover = sum(1 for m, p in anchors.items() if m != name
                                    and box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3])
                        dist = float(np.linalg.norm(_nearest(box, (ax, ay)) - (ax, ay)))
                        cost = (hit > 0) * (1e6 + hit) + cover * 3 * th + dist + (y0 < ay) * 0.5 * th
                        if best_cost is None or cost < best_cost:
                            best, best_cost = box, cost
                if best_cost is not None and best_cost < 1e6 and level >= 1:
                    break
            if best is None:     # a label larger than the frame: pin it to the top-left corner
                best = (PAD, h - PAD - th, PAD + tw, h - PAD)
            placed.append(best)
            self.boxes[name] = tuple(float(v) for v in best)
            self.anchors[name] = (float(ax), float(ay))
            t.SetPosition(best[0] + 1, best[1] + 1)
            plotter.renderer.AddViewProp(t)
            self.actors.append(t)
        self.actors.append(self._leaders())
        plotter.renderer.AddViewProp(self.actors[-1])

    def _leaders(self):
        """Thin lines from each anchor to the nearest point of its label (one 2-D actor)."""
        from vtkmodules.vtkCommonCore import vtkPoints
        from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
        from vtkmodules.vtkRenderingCore import vtkActor2D, vtkCoordinate, vtkPolyDataMapper2D
        pts, cells = vtkPoints(), vtkCellArray()
        for name, box in self.boxes.items():
            a = np.array(self.anchors[name])
            b = _nearest(box, a)
            i = pts.InsertNextPoint(a[0], a[1], 0.0)
            pts.InsertNextPoint(b[0], b[1], 0.0)
            cells.InsertNextCell(2)
            cells.InsertCellPoint(i)
            cells.InsertCellPoint(i + 1)
        poly = vtkPolyData()
        poly.SetPoints(pts)
        poly.SetLines(cells)
        coord = vtkCoordinate()
        coord.SetCoordinateSystemToDisplay()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(poly)
        mapper.SetTransformCoordinate(coord)
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*LINE_COLOR)
        actor.GetProperty().SetLineWidth(1.0)
        return actor
