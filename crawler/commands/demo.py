"""nianbao demo (not implemented yet)."""
HELP = "demo (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao demo: not implemented yet")
    return 2
