"""The operated bot (`newsbot run` against the Discord emulator) for the end-to-end topic tests."""

from tests.topics.e2e import operated  # noqa: F401
