"""tritalk's exception hierarchy. Every message is one line: what went wrong, then what to do.

Our exception hierarchy::

    TritalkError                exit code 1 (internal / other)
    +-- InputError              exit code 2
    |   +-- ImageError          exit code 3  (unreadable image)
    |   |   +-- NoFaceError     exit code 3  (no usable face in the image)
    |   +-- AudioError          exit code 4  (unreadable / empty audio)
    +-- ConfigError             exit code 5  (an option out of range, unknown name)
    +-- OutputError             exit code 6  (output path not writable, exists)
    +-- WeightsError            exit code 7  (a local model path is missing or malformed)

The CLI (cli/main.py ``main``) catches ``TritalkError`` in one place, prints ``error: <message>``
and exits with ``exit_code``. Unparsable or missing flags exit 5 (an option problem), Ctrl-C
exits 130, and anything else is a bug: one ``error: internal error (...)`` line, exit code 1,
the traceback only with ``--verbose``. The codes are listed in the README and in
``tritalk generate --help``.
"""


class TritalkError(Exception):
    """Base class of every error tritalk raises on purpose."""

    exit_code = 1


class InputError(TritalkError):
    """A user-given input file cannot be used."""

    exit_code = 2


class ImageError(InputError):
    """The portrait cannot be read as an image."""

    exit_code = 3


class NoFaceError(ImageError):
    """The portrait holds no usable face."""

    exit_code = 3


class AudioError(InputError):
    """The audio cannot be read, or holds no samples."""

    exit_code = 4


class ConfigError(TritalkError):
    """An option or configuration value is invalid."""

    exit_code = 5


class OutputError(TritalkError):
    """The output cannot be written where asked."""

    exit_code = 6


class WeightsError(TritalkError):
    """Model weights given by local path are missing or malformed."""

    exit_code = 7


def caused_by_ctrl_c(e: BaseException | None) -> bool:
    """Whether a KeyboardInterrupt lies in ``e``'s chain of causes. Ctrl-C that lands while a compiled (numba)
    function returns surfaces as ``SystemError: CPUDispatcher(...) returned a result with an exception set``, the
    KeyboardInterrupt as its cause: an interruption, not a bug."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False
