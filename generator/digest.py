"""What a file of the site is made from, as a short digest: equal digests, equal bytes (pure).

The render asks the writer whether a file is current (``Writer.current``: an earlier build wrote
it from the same digest) before rendering it, and records the digest of what it writes. So a
digest covers everything the file can show:

- the build (``build_digest``): the source of the generator and core packages, the versions of
  the libraries that shape output, every file under templates/ and the renderer's globals (site
  settings, the navigation with today's month, the assets' fingerprinted URLs);
- the page (``page_digest``): its template, its URL and each context variable its templates
  read (found by parsing them, so a value only another page reads, such as an event page's
  ``lastmod`` for the sitemap, does not count), serialised whole;
- each event shown, through its view's ``__digest__`` (``EventView.token``: the event's stored
  attributes but those a daily "still seen" touch changes, and every value the view derived).

Values are serialised with pickle in its "fast" mode (no memo, so only structure and values
count, never which objects happen to be shared). An object whose type defines ``__digest__``
stands in as what that returns, a dataclass as its type's name and its fields' values; a value
pickle cannot serialise (a generator, a lambda) fails the build rather than risk a stale page.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime, time
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import Environment, meta

PACKAGES = ("generator", "core")  # whose source shapes output
LIBRARIES = ("jinja2", "markupsafe", "nh3", "markdown", "icalendar", "feedgenerator")


def _stand_in(*what: object) -> object:
    """What a value is serialised as when it is not itself (never called: only named)."""
    return what


Standing = Callable[[Any], tuple[object, ...]]  # a value -> what stands in for it


def _standing(kind: type) -> Standing | None:
    """How a value of ``kind`` is serialised, if not as pickle would (None: as pickle would)."""
    own = getattr(kind, "__digest__", None)
    if own is not None:
        return lambda obj: (own(obj),)
    if is_dataclass(kind):  # its name and fields: quicker than pickle's way, slots or not
        names = tuple(f.name for f in fields(kind))
        return lambda obj: (kind.__qualname__, *[_inline(getattr(obj, n)) for n in names])
    if kind in (date, datetime, time):  # one string, not a class, arguments and a timezone
        return lambda obj: (kind.__name__, obj.isoformat(), str(getattr(obj, "tzinfo", None)))
    if issubclass(kind, str):  # Markup: the type counts (it is not escaped), and the text
        return lambda obj: (kind.__qualname__, str(obj))
    if issubclass(kind, ModuleType):  # the URL map among the globals: its code counts
        return lambda obj: (obj.__name__,)
    return None


def _inline(value: object) -> object:
    """A field's value, or what stands in for it when its type says (an event's view as its
    token): one reduction fewer for pickle."""
    own = getattr(type(value), "__digest__", None)
    return value if own is None else own(value)


_STANDING: dict[type, Standing | None] = {}


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        try:
            standing = _STANDING[kind]
        except KeyError:
            standing = _STANDING[kind] = _standing(kind)
        return NotImplemented if standing is None else (_stand_in, standing(obj))


def stable_bytes(value: object) -> bytes:
    """``value`` serialised by structure and content alone (see the module's docstring)."""
    out = io.BytesIO()
    pickler = _Pickler(out, protocol=5)
    pickler.fast = True  # no memo: two equal values give equal bytes, shared or not
    pickler.dump(value)
    return out.getvalue()


def digest(*parts: object) -> str:
    """A 128-bit digest of ``parts``."""
    return hashlib.blake2b(stable_bytes(parts), digest_size=16).hexdigest()


def plain_digest(value: object) -> str:
    """A digest of plain data (strings, numbers, dates, and tuples, lists, dicts and
    dataclasses of them) by its ``repr``, which is its content: quicker than ``digest`` for the
    one per event that the views need. An object whose repr is not its content (the default
    ``<... at 0x...>``) is refused: it would make every build's digest differ."""
    text = repr(value)
    if " at 0x" in text:
        raise TypeError(f"no plain data: {text[:200]}")
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Lazy:
    """A value a page shows, computed only when the page is rendered: ``Lazy(fn, *args)``
    renders as ``fn(*args)`` and is digested as fn's name and its arguments, so ``fn`` must be
    a module-level function of its arguments alone (no closure, no lambda)."""

    __slots__ = ("_value", "args", "fn")

    def __init__(self, fn: Callable[..., object], *args: object) -> None:
        if "<" in fn.__qualname__:  # a lambda or a nested function: its closure would not count
            raise TypeError(f"Lazy needs a module-level function, not {fn.__qualname__}")
        self.fn, self.args = fn, args
        self._value: object = _UNSET

    @property
    def value(self) -> object:
        if self._value is _UNSET:
            self._value = self.fn(*self.args)
        return self._value

    def __digest__(self) -> tuple[object, ...]:
        return getattr(self.fn, "__module__", None), self.fn.__qualname__, self.args

    def __html__(self) -> str:
        value = self.value
        if hasattr(value, "__html__"):
            return value.__html__()
        from markupsafe import escape

        return str(escape(value))

    def __str__(self) -> str:
        return str(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)


_UNSET = object()


def source_digest(roots: Iterable[Path], *, but: str = "") -> str:
    """Every file under ``roots`` (names and bytes), in a stable order; none in a folder
    named ``but``."""
    hasher = hashlib.blake2b(digest_size=16)
    skip = {"__pycache__", but}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not skip & set(p.parts)):
            hasher.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:  # a bundle without the dist-info: its code is there
        return "unknown"


def code_digest() -> str:
    """What every file is made with: the code and the libraries' versions."""
    here = Path(__file__).resolve().parent.parent
    code = source_digest([here / package for package in PACKAGES])
    return digest(code, [_version(lib) for lib in LIBRARIES])


def build_digest(env: Environment, templates: Path) -> str:
    """What every page is made with: the code, the templates, the filters. The assets (in
    templates/static/) count through the fingerprinted URLs the globals give the pages."""
    return digest(code_digest(), source_digest([templates], but="static"), sorted(env.filters))


_JINJA_GLOBALS = frozenset(Environment().globals)  # range, dict, lipsum...: Jinja's own
Parsed = tuple[frozenset[str], tuple[str, ...] | None]  # what Variables._parsed returns
_PARSED: dict[tuple[str, frozenset[str], frozenset[str]], Parsed] = {}  # by source, filters, tests


class Variables:
    """The variables each template reads, itself or through what it extends, includes and
    imports (None: it names a template only known at render time, so every one counts): of a
    page's context, and of the renderer's globals (settings, navigation, asset URLs), but
    those named in ``per_page``, which hold one value per page URL for each page to cover its
    own (``page_digest``'s ``own``). Made after the globals are set."""

    def __init__(self, env: Environment, per_page: Iterable[str] = ()) -> None:
        self.env = env
        # our filters, but not our globals, which find_undeclared_variables leaves out as known
        self._parser = Environment(loader=env.loader)
        self._parser.filters.update(env.filters)
        self._parser.tests.update(env.tests)
        self._skip = _JINJA_GLOBALS | set(per_page)
        self._read: dict[str, frozenset[str] | None] = {}
        self._globals: dict[str, str] = {}

    def of(self, template: str) -> frozenset[str] | None:
        if template not in self._read:
            self._read[template] = self._collect(template)
        return self._read[template]

    def globals_of(self, template: str) -> str:
        """A digest of the globals ``template`` reads."""
        if template not in self._globals:
            read = self.of(template)
            values = {
                k: v
                for k, v in self.env.globals.items()
                if k not in self._skip and (read is None or k in read)
            }
            self._globals[template] = digest(sorted(values.items()))
        return self._globals[template]

    def _collect(self, template: str) -> frozenset[str] | None:
        names: set[str] = set()
        todo, seen = [template], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            loader = self.env.loader
            assert loader is not None
            source = loader.get_source(self.env, name)[0]
            read, referenced = self._parsed(source)
            if referenced is None:
                return None
            names |= read
            todo += referenced
        return frozenset(names)

    def _parsed(self, source: str) -> Parsed:
        """The variables a template's source reads and the templates it names (None: one only
        known at render time), parsed once per process: parsing is most of a small build, and
        a process that builds again (a warm Lambda rendering the next part, the preview server,
        the tests) reads the same sources."""
        key = (source, frozenset(self._parser.filters), frozenset(self._parser.tests))
        if key not in _PARSED:
            tree = self._parser.parse(source)
            referenced = tuple(meta.find_referenced_templates(tree))
            _PARSED[key] = (
                frozenset(meta.find_undeclared_variables(tree)),
                None if None in referenced else tuple(r for r in referenced if r is not None),
            )
        return _PARSED[key]


def page_digest(
    build: str,
    variables: Variables,
    url: str,
    template: str,
    context: Mapping[str, object],
    own: object = None,
) -> str:
    """The digest of a page: the build's, its template and URL, what its templates read of
    the globals and of its context, and ``own``: its values of the per-page globals. A Lazy
    value's argument that is another of the context's values (a listing's JSON-LD is made
    from its days) stands in as that value's name: it is serialised once."""
    read = variables.of(template)
    shown = {k: v for k, v in context.items() if read is None or k in read}
    names = {id(v): k for k, v in shown.items()}
    made = sorted((k, _by_name(v, names) if type(v) is Lazy else v) for k, v in shown.items())
    return digest(build, variables.globals_of(template), template, url, made, own)


def _by_name(value: Lazy, names: Mapping[int, str]) -> tuple[object, ...]:
    fn, args = value.__digest__()[:2], value.args
    return (*fn, tuple(("=context", names[id(a)]) if id(a) in names else a for a in args))
