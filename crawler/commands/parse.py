"""nianbao parse (not implemented yet)."""
HELP = "parse (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao parse: not implemented yet")
    return 2
