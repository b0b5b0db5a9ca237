"""Plugin contracts and their registries.

Four things are pluggable: course types, completion rules, certificate
layouts and transcript layouts. A plugin is a small class with documented
class attributes; a third-party package exposes a ``register(registries)``
function in the ``lms.plugins`` entry-point group::

    [options.entry_points]
    lms.plugins =
        my_rules = my_package.lms_plugin:register

Registries belong to one :class:`~lms.LMS` instance (``app.extensions["lms"]``),
never to the process, and refuse a second plugin under a name already taken.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

ENTRY_POINT_GROUP = "lms.plugins"


class PluginError(RuntimeError):
    """A plugin could not be registered or found."""


class DuplicatePluginError(PluginError):
    """A plugin name is already taken in its registry."""


class UnknownPluginError(PluginError, KeyError):
    """No plugin of that name is registered."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown plugin"


# --- contracts ---------------------------------------------------------------


class CourseType:
    """A kind of course. Subclass and set the class attributes.

    ``name`` is the key stored on :class:`~lms.models.Course`; ``label`` is shown
    to people; ``grants_certification`` says whether courses of this type
    normally grant a certification track.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    grants_certification: ClassVar[bool] = False

    def validate(self, course: Any) -> list[str]:
        """Problems with ``course`` as a course of this type (empty when fine)."""
        return []


@dataclass(frozen=True)
class Param:
    """One parameter of a completion rule, with its type and default."""

    type: type
    default: Any
    label: str
    minimum: float | None = None
    maximum: float | None = None

    def convert(self, value: Any) -> Any:
        """``value`` as this parameter's type, in range; ValueError says why (not naming it)."""
        try:
            result = self.type(value) if not isinstance(value, self.type) else value
        except (TypeError, ValueError, ArithmeticError):
            raise ValueError(f"expected {self.type.__name__}, got {value!r}") from None
        if isinstance(result, float) and not math.isfinite(result):
            raise ValueError(f"expected a finite number, got {value!r}")
        if self.minimum is not None and result < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g}")
        if self.maximum is not None and result > self.maximum:
            raise ValueError(f"must be at most {self.maximum:g}")
        return result


@dataclass
class EnrollmentFacts:
    """What a completion rule may look at for one enrollment."""

    enrollment: Any
    meeting_ids: list[int]
    present_meeting_ids: set[int]
    absent_meeting_ids: set[int]
    evaluations: Mapping[str, Any] = field(default_factory=dict)
    holds_prerequisites: bool = True

    @property
    def attendance_complete(self) -> bool:
        return set(self.meeting_ids) <= self.present_meeting_ids | self.absent_meeting_ids

    @property
    def attended_all(self) -> bool:
        return set(self.meeting_ids) <= self.present_meeting_ids


@dataclass(frozen=True)
class RuleOutcome:
    """``passed`` is True, False, or None when the roster is not yet decided."""

    passed: bool | None
    reason: str

    @classmethod
    def undecided(cls, reason: str) -> RuleOutcome:
        return cls(None, reason)


class CompletionRule:
    """How a course is completed. Subclass and implement :meth:`evaluate`.

    ``params`` declares the parameters a course may set (stored in
    ``Course.completion_params``); :meth:`param_problems` checks them (each
    against its :class:`Param`; override it to check parameters against each
    other, calling ``super()``) and :meth:`parse_params` fills in defaults.
    The course's program page shows the problems on their fields.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}

    def param_problems(self, raw: Mapping[str, Any]) -> dict[str, str]:
        """What is wrong with these course parameters, by parameter ("" for the whole set)."""
        problems = {}
        unknown = set(raw) - set(self.params)
        if unknown:
            problems[""] = f"unknown parameter(s) for {self.name}: {', '.join(sorted(unknown))}"
        for key, spec in self.params.items():
            if key in raw:
                try:
                    spec.convert(raw[key])
                except ValueError as exc:
                    problems[key] = str(exc)
        return problems

    def parse_params(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Course parameters checked and filled with defaults; ValueError names a bad one."""
        raw = dict(raw or {})
        problems = self.param_problems(raw)
        if problems:
            raise ValueError(
                "; ".join(f"{key}: {why}" if key else why for key, why in problems.items())
            )
        return {
            key: spec.convert(raw[key]) if key in raw else spec.default
            for key, spec in self.params.items()
        }

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        raise NotImplementedError


class LayoutData:
    """A design as data: ``spec`` is the layout's JSON, ``base_dir`` where its assets are."""

    name: ClassVar[str]
    label: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, spec: Mapping[str, Any], base_dir: Path | None = None):
        self.spec = dict(spec)
        self.base_dir = base_dir

    @classmethod
    def from_file(cls, path: Path) -> LayoutData:
        """A layout read from a JSON file; its assets resolve beside it."""
        return cls.from_spec(json.loads(path.read_text(encoding="utf-8")), path.parent)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], base_dir: Path | None) -> LayoutData:
        """A layout of ``spec``'s data, named by it."""
        layout = type(
            f"Layout_{spec['name']}",
            (cls,),
            {"name": spec["name"], "label": spec.get("label", spec["name"])},
        )
        return layout(spec, base_dir=base_dir)


class CertificateLayout(LayoutData):
    """A certificate design (see ``certificates/`` and :mod:`lms.credentials.layouts`)."""

    kind = "certificate"


class TranscriptLayout(LayoutData):
    """A transcript design: layout data whose ``kind`` is ``transcript``.

    Transcripts use the one ``LMS_TRANSCRIPT_LAYOUT`` names; see
    ``certificates/transcript/layout.json`` and :mod:`lms.transcripts.spec`.
    """

    kind = "transcript"


def layout_from_file(path: Path) -> LayoutData:
    """A certificate or transcript layout read from ``path``, as its ``kind`` says."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    kind = spec.get("kind", CertificateLayout.kind) if isinstance(spec, dict) else None
    for layout in (CertificateLayout, TranscriptLayout):
        if kind == layout.kind:
            return layout.from_spec(spec, path.parent)
    raise PluginError(f"{path}: 'kind' must be 'certificate' or 'transcript', got {kind!r}")


# --- registries --------------------------------------------------------------

T = TypeVar("T")


class Registry(Generic[T]):
    """Named plugins of one kind. Registering a taken name is a loud error."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, plugin: T) -> T:
        name = getattr(plugin, "name", None)
        if not name or not isinstance(name, str):
            raise PluginError(f"a {self.kind} plugin needs a string 'name'")
        if name in self._items:
            raise DuplicatePluginError(f"{self.kind} {name!r} is already registered")
        self._items[name] = plugin
        return plugin

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownPluginError(f"no {self.kind} named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def names(self) -> list[str]:
        return sorted(self._items)

    def choices(self) -> list[tuple[str, str]]:
        return [(name, getattr(p, "label", name)) for name, p in sorted(self._items.items())]


class Registries:
    """The registries of one LMS instance."""

    def __init__(self) -> None:
        self.course_types: Registry[CourseType] = Registry("course type")
        self.completion_rules: Registry[CompletionRule] = Registry("completion rule")
        self.certificate_layouts: Registry[CertificateLayout] = Registry("certificate layout")
        self.transcript_layouts: Registry[TranscriptLayout] = Registry("transcript layout")

    def load_entry_points(self) -> list[str]:
        """Call every ``lms.plugins`` entry point's ``register(registries)``; return names."""
        loaded = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            register: Callable[[Registries], None] = ep.load()
            if not callable(register):
                raise PluginError(f"entry point {ep.name!r} is not callable")
            register(self)
            loaded.append(ep.name)
        return loaded
