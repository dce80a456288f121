"""Scrapy settings of the govreports crawler: polite by default.

Government portals are public services run on small budgets. We identify ourselves, obey
robots.txt, keep at most two requests in flight per host and let AutoThrottle slow down
further when a server answers slowly; errors make us back off, not push harder.
"""
BOT_NAME = "govreports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where the corpus goes, and the site registry (see crawler/sites.toml).
GOVREPORTS_DB = "output/reports.db"
GOVREPORTS_SITES = None  # None: crawler/sites.toml
# Column URLs known only at run time, by site key: {"key": ["http://…/index.html"]}.
GOVREPORTS_COLUMNS = {}
# Worker processes for the CPU-bound item pipelines (Convert, Parse); 0: in the crawl's process.
GOVREPORTS_WORKERS = 1
# Budgets per document, in the workers (crawler.worker, crawler.extensions.Workers): a hostile
# file (a PDF page of 400,000 text operators took 226 s and 7 GB) is stored with a problem,
# not retried every run, and the crawl goes on. A real report parses in well under a second,
# a long PDF in a few seconds; the wall-clock budget leaves room for a loaded machine.
# OCR of a scanned report (parsers.ocr: at most 30 pages) takes 8-10 s of CPU a page.
GOVREPORTS_DOCUMENT_SECONDS = 900.0  # past it the worker is killed and replaced
GOVREPORTS_DOCUMENT_CPU_SECONDS = 600.0  # RLIMIT_CPU, counted per document
# Address space of a worker (RLIMIT_AS): about 200 MB are the interpreter and its libraries;
# ONNX Runtime (OCR) reserves far more address space than it touches, so the cap is set by it.
GOVREPORTS_WORKER_MEMORY = 4 * 2**30
# Incremental re-crawls (crawler.middlewares.Revalidate): a stored report page confirmed
# (fetched, 304, or the same bytes again) less than this many days ago is not requested at
# all; an older one is revalidated with If-None-Match / If-Modified-Since. Listing pages are
# always fetched anew. 0: revalidate every stored page on every crawl.
GOVREPORTS_REVALIDATE_AFTER = 30.0
# No HTTP cache: a cached listing would hide new and removed reports, and its RFC 2616
# policy misses pages without validators. Revalidate keeps what it needs in the corpus.
HTTPCACHE_ENABLED = False
# Distributed crawls (`govreports crawl --redis`, crawler.distributed; docs/distributed.md):
# a worker silent for this many seconds is taken for dead, and its leased requests go back
# in the shared queue for the others.
GOVREPORTS_REDIS_HEARTBEAT = 10.0

# Who we are, so that a webmaster can find out and reach us.
USER_AGENT = "govreports/0.1 (research crawler of 政府信息公开工作年度报告; +https://github.com/govreports/govreports)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "govreports"

CONCURRENT_REQUESTS = 16  # across hosts; a crawl of all sites visits many hosts at once
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # also AutoThrottle's floor
# A steady pace: we do not hide, and the backoff below relies on the slot delay being a floor.
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Whole download, headers to last byte: a host that hangs or drips costs this, then a retry.
# Fault tests set less than their hangs last (reliability.crawl.FAULT_SETTINGS).
DOWNLOAD_TIMEOUT = 60
# A body cut short of its Content-Length is a failed download (retried), never a short page.
DOWNLOAD_FAIL_ON_DATALOSS = True
# Redirects: a loop is given up at once (crawler.middlewares.LoopSafeRedirect), a chain after 5.
REDIRECT_MAX_TIMES = 5

# Retries on server errors and timeouts, each failure lengthening the host's delay
# (crawler.middlewares.BackoffRetry, which also honours 429/503 Retry-After).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds after the first failure, doubled after each next one
RETRY_BACKOFF_MAX = 300.0  # nor do we wait longer for a Retry-After: we give up instead

# Budgets per site and run (crawler.spiders.base.listing_request, crawler.middlewares.SiteBudget):
# a hostile or broken portal states 30,000,000 pages, chains next-page links without end or
# drips forever; past a budget the site's rest is left (a failure of the site, logged: it is
# tried again next run) and the crawl goes on with the other sites. Well above real columns:
# the largest list a few thousand reports on at most a few hundred pages.
GOVREPORTS_MAX_LISTING_PAGES = 1000
GOVREPORTS_MAX_REQUESTS_PER_SITE = 20_000  # listings, reports and attachments together
GOVREPORTS_MAX_BYTES_PER_SITE = 4 * 2**30  # bodies as downloaded; a report with its PDF is a few MB
GOVREPORTS_MAX_SITE_SECONDS = 12 * 3600.0  # 20,000 requests at AutoThrottle's pace fit in it

# Report pages are a few hundred KB; anything near these sizes is not a report page.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# Attachments (详见附件 files) of report pages are fetched with them: crawler/attachments.py.
# Names that resolve to loopback, private or link-local addresses are refused unless their
# site is configured as local (crawler.middlewares.GuardedResolver; SiteHostsOnly does it for
# address literals).
TWISTED_DNS_RESOLVER = "crawler.middlewares.GuardedResolver"

# A challenge page sets cookies (__jsl_clearance_s) that would let a replay through: we
# keep none, and portals need no session to serve public reports.
COOKIES_ENABLED = False
# No listening ports of our own.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Stricter than Scrapy's offsite filter: retries and robots.txt requests are checked too.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SiteHostsOnly": 50,
    # Per site budgets of requests, bytes and time: before everything that might send.
    "crawler.middlewares.SiteBudget": 60,
    # Loops and endless chains given up as failures of the page, not bounced through.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopSafeRedirect": 600,
    # Stored report pages: not requested while fresh, else If-None-Match / If-Modified-Since.
    "crawler.middlewares.Revalidate": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetry": 550,
}

ITEM_PIPELINES = {
    "crawler.pipelines.BlockedPipeline": 50,
    "crawler.pipelines.NotModifiedPipeline": 60,
    "crawler.pipelines.DocumentPipeline": 100,
    "crawler.pipelines.DecodePipeline": 200,
    "crawler.pipelines.ConvertPipeline": 300,
    "crawler.pipelines.ParsePipeline": 400,
    "crawler.pipelines.StorePipeline": 500,
}

EXTENSIONS = {
    "crawler.extensions.DatabaseLock": 0,  # first: nothing else may write while another run holds it
    "crawler.extensions.Workers": 100,
    "crawler.extensions.Vanished": 400,  # before CrawlRuns, whose row counts what it marks
    "crawler.extensions.CrawlRuns": 500,
    "crawler.progress.ProgressFile": 600,  # only with GOVREPORTS_PROGRESS_FILE (govreports crawl on a terminal)
}
