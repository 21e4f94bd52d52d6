"""``Module``: the base class of layers and models, and the record of module calls.

A module's parameters are found, not declared: every attribute that is a leaf
Tensor with ``requires_grad=True`` is a parameter, and so is every parameter
of an attribute that is a Module. Attributes may also be lists, tuples and
dicts of these. Names are dotted paths (``layers.0.weight``) in assignment
order, so ``named_parameters()`` reads like the ``__init__`` that built them.

Calling a module runs ``forward``. The call is also noted, cheaply, for the
renderer's layer view, which groups graph nodes by the module call that made
them:

- while a module runs, ``current_module_path()`` gives the module calls in
  progress in this thread, outermost first;
- after it returns a Tensor that is part of a graph, ``module_calls(t)`` tells
  which module calls returned ``t`` (innermost first), what they ran inside
  and which tensors they were given; ``module_calls.assign(root, names)``
  finds every node's innermost call.

Nothing is stored on the Tensor: the records live in a table keyed by the
output's identity and vanish with the output (a weak reference removes them).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import validation
from ..autograd import nodes_behind
from ..tensor import Tensor, mark_changed

# ------------------------------------------------------- the record of calls


class _Scope(threading.local):
    def __init__(self) -> None:
        # Weak references, so that a record's scope is a tuple of this list as it
        # is: made once per call, holding no module alive.
        self.path: list[weakref.ref] = []


_scope = _Scope()


def current_module_path() -> tuple[Module, ...]:
    """The module calls running now in this thread, outermost first."""
    return tuple([ref() for ref in _scope.path])


class ModuleCall(NamedTuple):
    """One call of a module that returned a Tensor in a graph.

    ``scope`` holds the module calls it ran inside, outermost first;
    ``input_ids`` the ``id()`` of each Tensor it was given: where its part of
    the graph begins.
    """

    module: Module
    scope: tuple[Module, ...]
    input_ids: tuple[int, ...]


class ModuleCallRecord:
    """Which module calls returned which tensors: ``module_calls(t)``.

    Keyed by ``id(output)``; each entry holds a weak reference to its output,
    so an entry whose output is gone (its id maybe reused) is recognised as
    stale, and weak references to the modules, so the record never keeps a
    deleted model alive. Every module call of a training step adds an entry,
    so adding is kept cheap: plain tuples, turned into ``ModuleCall``s when
    asked for, and stale entries swept out now and then rather than by a
    callback on each freed output.

    Threads share one record, so every read and change of the table happens
    under one lock: a sweep in one thread never meets another thread's add.
    """

    def __init__(self) -> None:
        self._by_output: dict[int, tuple[weakref.ref, list[tuple]]] = {}
        self._sweep_at = 1000
        self._lock = threading.Lock()

    def add(
        self, output: Tensor, module: Module, scope: tuple[Module, ...], input_ids: tuple[int, ...]
    ) -> None:
        """Note that ``module``, called inside ``scope``, returned ``output``."""
        ref = weakref.ref
        self.add_refs(output, ref(module), tuple([ref(m) for m in scope]), input_ids)

    def add_refs(
        self,
        output: Tensor,
        module: weakref.ref,
        scope: tuple[weakref.ref, ...],
        input_ids: tuple[int, ...],
    ) -> None:
        """``add`` with the modules given as weak references (``Module.__call__``)."""
        call = (module, scope, input_ids)
        key = id(output)
        with self._lock:
            table = self._by_output
            entry = table.get(key)
            if entry is not None and entry[0]() is output:
                entry[1].append(call)  # an enclosing module returns it too
                return
            table[key] = (weakref.ref(output), [call])
            if len(table) > self._sweep_at:
                self._sweep()

    def _sweep(self) -> None:
        """Drop the entries of freed outputs (amortised: the table at most doubles).

        The caller holds the lock.
        """
        table = self._by_output
        for key in [key for key, (ref, _) in table.items() if ref() is None]:
            del table[key]
        self._sweep_at = 2 * len(table) + 1000

    def __call__(self, tensor: Tensor) -> tuple[ModuleCall, ...]:
        """The module calls that returned ``tensor``, innermost first.

        A layer's output is often also the output of the modules around it
        (the last layer of a ``Sequential``), hence several calls. Empty when
        no module returned it, or when it was made outside any graph. Calls of
        modules that have been deleted since are left out.
        """
        with self._lock:
            entry = self._by_output.get(id(tensor))
            if entry is None or entry[0]() is not tensor:
                return ()
            raw = list(entry[1])
        calls = []
        for module_ref, scope_refs, input_ids in raw:
            module = module_ref()
            scope = tuple([m() for m in scope_refs])
            if module is not None and all(m is not None for m in scope):
                calls.append(ModuleCall(module, scope, input_ids))
        return tuple(calls)

    def __len__(self) -> int:
        """The number of live outputs with a record."""
        with self._lock:
            self._sweep()
            return len(self._by_output)

    def assign(self, root: Tensor, names: dict[int, str]) -> dict[int, str]:
        """``id(node) -> name`` of the innermost named module call that made each
        node of the graph behind ``root``; nodes made outside modules are left out.

        ``names`` maps ``id(module)`` to its name (from ``named_modules()``).
        A call made the nodes reachable backwards from its output without
        passing its inputs. Calls are visited outermost first, so an inner
        call's claim overwrites the claim of the calls around it.
        """
        calls = []
        for node in nodes_behind(root):
            calls += [(len(c.scope), node, c) for c in self(node) if id(c.module) in names]
        calls.sort(key=lambda item: item[0])
        groups: dict[int, str] = {}
        for _, output, call in calls:
            name = names[id(call.module)]
            stop = set(call.input_ids)
            for node in nodes_behind(output, stop):
                groups[id(node)] = name
        return groups


module_calls = ModuleCallRecord()


# --------------------------------------------------------------- the walk


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _flatten(members: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """(dotted name, value) pairs, looking inside lists, tuples and dicts."""
    for name, value in members:
        if isinstance(value, (list, tuple)):
            yield from _flatten((f"{name}.{i}", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            yield from _flatten((f"{name}.{key}", item) for key, item in value.items())
        else:
            yield name, value


def _is_parameter(value: Any) -> bool:
    # A result of an op cached on a module (say, its last output) requires grad
    # too, but it is not something an optimizer may change: parameters are leaves.
    return isinstance(value, Tensor) and value.requires_grad and value.is_leaf


# ------------------------------------------------------------------ Module


class Module:
    """Base class of every layer and model: subclass it and define ``forward``.

    >>> class Neuron(Module):
    ...     def __init__(self):
    ...         self.w = Tensor([0.5, -1.0], requires_grad=True)
    ...         self.b = Tensor(0.0, requires_grad=True)
    ...     def forward(self, x):
    ...         return (x @ self.w + self.b).tanh()
    >>> [name for name, _ in Neuron().named_parameters()]
    ['w', 'b']

    No ``super().__init__()`` call is needed.
    """

    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.forward is not defined: a Module subclass must "
            "define forward(self, ...) to say what calling it computes"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        path = _scope.path
        me = weakref.ref(self)
        path.append(me)
        try:
            out = self.forward(*args, **kwargs)
        finally:
            path.pop()
        if isinstance(out, Tensor) and out.requires_grad:
            if len(args) == 1 and not kwargs:  # the usual call, layer(x)
                ids = (id(args[0]),) if isinstance(args[0], Tensor) else ()
            else:
                inputs = (*args, *kwargs.values())
                ids = tuple([id(a) for a in inputs if isinstance(a, Tensor)])
            module_calls.add_refs(out, me, tuple(path), ids)
        return out

    def __getstate__(self) -> dict[str, Any]:
        # For pickle and deepcopy: a ``forward`` shadowed on the instance (the
        # diagnostics' capture of a Recorder) belongs to the original model and
        # its recorder, not to a copy, which runs its own class's forward.
        state = dict(vars(self))
        state.pop("forward", None)
        return state

    def _members(self) -> Iterable[tuple[str, Any]]:
        """The (name, value) pairs searched for parameters and submodules."""
        return vars(self).items()

    # ------------------------------------------------------- discovery

    def named_modules(self) -> list[tuple[str, Module]]:
        """``("", self)``, then every submodule by dotted name; each module once."""
        found: list[tuple[str, Module]] = []
        seen: set[int] = set()

        def visit(module: Module, prefix: str) -> None:
            seen.add(id(module))
            found.append((prefix, module))
            for name, value in _flatten(module._members()):
                if isinstance(value, Module) and id(value) not in seen:
                    visit(value, _join(prefix, name))

        visit(self, "")
        return found

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """Every parameter by dotted name, in assignment order; a shared tensor once."""
        found: list[tuple[str, Tensor]] = []
        seen: set[int] = set()

        def visit(module: Module, prefix: str) -> None:
            seen.add(id(module))
            for name, value in _flatten(module._members()):
                if id(value) in seen:
                    continue
                if _is_parameter(value):
                    seen.add(id(value))
                    found.append((_join(prefix, name), value))
                elif isinstance(value, Module):
                    visit(value, _join(prefix, name))

        visit(self, "")
        return found

    def parameters(self) -> list[Tensor]:
        """The parameters, as a list (it can be passed to an optimizer and reused)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every submodule; returns self."""
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Same as ``train(False)``."""
        return self.train(False)

    # ----------------------------------------------------------- state

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, by dotted name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy values into the parameters, in place, keeping their dtype.

        Everything is checked first: missing or unexpected names and shape
        mismatches raise one ``ValueError`` listing them all, and then no
        parameter has changed.
        """
        if not isinstance(state, dict):
            raise TypeError(
                f"load_state_dict into {type(self).__name__}: expected a dict of arrays, "
                f"got {type(state).__name__}"
            )
        params = dict(self.named_parameters())
        problems = []
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        if missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        values = {}
        for name, p in params.items():
            if name not in state:
                continue
            try:
                value = validation.real_array(state[name], "load_state_dict", name)
            except (TypeError, ValueError) as error:
                problems.append(f"{name}: {str(error).removeprefix('load_state_dict: ')}")
                continue
            if value.shape != p.shape:
                problems.append(f"{name}: expected shape {p.shape}, got {value.shape}")
            if not p.data.flags.writeable:
                problems.append(f"{name}: the parameter is read-only")
            values[name] = value
        validation.refuse(
            f"load_state_dict into {type(self).__name__}",
            problems,
            hint="Names and shapes must match this model's state_dict().",
        )
        for name, value in values.items():
            params[name].data[...] = value
        mark_changed([params[name] for name in values])

    # ------------------------------------------------------------ repr

    def extra_repr(self) -> str:
        """What goes between the parentheses; by default, own parameters' shapes."""
        return ", ".join(
            f"{name}: {value.shape}"
            for name, value in _flatten(self._members())
            if _is_parameter(value)
        )

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [
            f"({name}): " + repr(value).replace("\n", "\n  ")
            for name, value in _flatten(self._members())
            if isinstance(value, Module)
        ]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [extra, *children] if extra else children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
