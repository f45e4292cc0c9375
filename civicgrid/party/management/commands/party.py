"""civicgrid party <subcommand>: the party register from the command line.

One subparser per subcommand, each implemented in its own module (`add_arguments(parser)` and
`handle(command, **options)`), dispatched by name.
"""

from civicgrid.core.command import BaseCommand
from civicgrid.party import stats_command

SUBCOMMANDS = {
    "stats": stats_command,
}


class Command(BaseCommand):
    help = "党建：党组织和党员的统计"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{" + ",".join(SUBCOMMANDS) + "}")
        for name, module in SUBCOMMANDS.items():
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args, action, **options):
        SUBCOMMANDS[action].handle(self, **options)
