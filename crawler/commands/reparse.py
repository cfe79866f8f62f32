"""nianbao reparse (not implemented yet)."""
HELP = "reparse (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao reparse: not implemented yet")
    return 2
