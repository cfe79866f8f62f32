"""nianbao serve (not implemented yet)."""
HELP = "serve (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao serve: not implemented yet")
    return 2
