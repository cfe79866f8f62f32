"""nianbao crawl (not implemented yet)."""
HELP = "crawl (not implemented yet)"


def add_arguments(parser):
    parser.add_argument("rest", nargs="*")


def run(args):
    print("nianbao crawl: not implemented yet")
    return 2
