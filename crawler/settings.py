"""Scrapy settings: polite defaults. Any of them can be overridden per run
(`nianbao crawl --set NAME=VALUE`, `scrapy crawl reports -s NAME=VALUE`)."""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "nianbao/0.1 (+https://github.com/nianbao/nianbao; archive of 政府信息公开工作年度报告)"
ROBOTSTXT_OBEY = True

# Politeness: one or two requests at a time per portal, adaptive delay.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60

# Retries with backoff for transient failures; 404 is final.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Size caps: list/detail pages are small; attachments get their own cap (NIANBAO_ATTACHMENT_MAXSIZE).
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
NIANBAO_PAGE_MAXSIZE = 8 * 1024 * 1024
NIANBAO_ATTACHMENT_MAXSIZE = 30 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Memory, the last guard behind the size caps: past the limit Scrapy's memusage extension closes the
# spider (reason memusage_exceeded), the run is marked interrupted and the exit code is non-zero.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 3072
MEMUSAGE_WARNING_MB = 2048
MEMUSAGE_CHECK_INTERVAL_SECONDS = 10
COOKIES_ENABLED = True

# Where the archive goes; `nianbao crawl --db` sets NIANBAO_DB and the archive sits beside it.
NIANBAO_DB = "data/reports.db"
NIANBAO_ARCHIVE_DIR = None  # default: <db dir>/archive
NIANBAO_PORTALS = None  # default: data/portals.yml
# Detail pages that failed for good (404, soft 404, anti-bot wall) are not asked again while their
# list entry is unchanged; True asks every one again.
NIANBAO_RETRY_FAILED = False

DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100): no request, robots.txt included, to a refused place (crawler/outbound.py).
    "crawler.outbound.OutboundPolicyMiddleware": 80,
    # Above HttpCompressionMiddleware (590), so it sees the bytes exactly as served.
    "crawler.middlewares.RawArchiveMiddleware": 595,
    # Between CookiesMiddleware (700) and RedirectMiddleware (600): see crawler/antibot.py.
    "crawler.antibot.AntiBotMiddleware": 650,
}

# Outbound policy, defence in depth: only the http(s) handler exists, and the resolver refuses
# non-public answers for hosts no portal registers (crawler/outbound.py).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
TWISTED_DNS_RESOLVER = "crawler.outbound.PublicAddressResolver"  # Scrapy ≥ 2.13's name for DNS_RESOLVER

ITEM_PIPELINES = {
    "crawler.item_pipelines.DocumentsPipeline": 200,
    "crawler.item_pipelines.ParsePipeline": 300,
    "crawler.item_pipelines.StorePipeline": 900,
}


# The crawl lock and run bookkeeping (crawler/run_lock.py): every entry point passes through it.
EXTENSIONS = {"crawler.run_lock.RunLockExtension": 0}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
