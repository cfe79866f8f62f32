"""nianbao portals (not implemented yet)."""
HELP = "portals (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao portals: not implemented yet")
    return 2
