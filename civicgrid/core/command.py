"""The base of every civicgrid command: a refusal is one line in Chinese, never a traceback.

Django prints a CommandError as "CommandError: <message>", an English word a person reads; a Refusal
that escapes a command would print a traceback. From the command line both print the message alone
and exit non-zero; called with call_command (tests, other commands) they are raised as usual.
"""

import sys

from django.core.management.base import BaseCommand as DjangoBaseCommand
from django.core.management.base import CommandError

from civicgrid.core.refusal import Refusal

__all__ = ["BaseCommand", "CommandError"]


class BaseCommand(DjangoBaseCommand):
    _from_command_line = False

    def run_from_argv(self, argv):
        self._from_command_line = True
        super().run_from_argv(argv)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except (CommandError, Refusal) as error:
            if not self._from_command_line or options.get("traceback"):
                raise
            self.stderr.write(getattr(error, "message", "") or str(error))
            sys.exit(getattr(error, "returncode", 1))
