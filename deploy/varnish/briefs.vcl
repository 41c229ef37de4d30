# Varnish in front of the Briefs app servers (docs/deploy.md).
#
# The app says what may be kept and for how long: a public page carries
#   Surrogate-Control: max-age=N[, stale-if-error=M]   (N never runs past the next scheduled change)
#   Surrogate-Key: site lists brief-... issue-...       (what the page shows)
# and the worker purges by key, one request per change: PURGE / with an `xkey-purge` header.
# Anything without Surrogate-Control (the admin, previews, forms, errors) is never kept.
#
# site.vcl, written for each installation (deploy/stack.py), defines the app servers and
# their health probe, the director `app`, the ACL `purgers`, and three subroutines:
# `briefs_site` sets X-Briefs-Host-Ok to "1" for a Host of ours and X-Briefs-Signed-In to "1"
# when the request carries the session cookie; `briefs_retry_elsewhere` retries a failed fetch
# while some app server has not been tried, noting the one that failed; `briefs_next_backend`
# sends the retry to the app server after it.
vcl 4.1;

import std;
import xkey;
import directors;

include "site.vcl";

sub vcl_recv {
    set req.backend_hint = app.backend();
    unset req.http.X-Forwarded-Host;
    unset req.http.Surrogate-Capability;

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is not allowed from this address"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "A purge names its keys in an xkey-purge header"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }

    # Only our own hosts: a forged Host is refused here, before it can reach a cache key.
    # briefs_site sets these two from the request; a client's own are dropped first.
    unset req.http.X-Briefs-Host-Ok;
    unset req.http.X-Briefs-Signed-In;
    call briefs_site;
    if (req.http.X-Briefs-Host-Ok != "1") {
        return (synth(400, "Unknown host"));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Authoring, previews, health checks and the benchmark's floor are never kept.
    if (req.url ~ "^/(admin|preview|_health|_bench)(/|\?|$)") {
        return (pass);
    }
    # Someone signed in may see what the public does not: their requests go by the edge, with
    # their cookies. Everyone else's cookies are dropped: no public page reads one.
    if (req.http.Authorization || req.http.X-Briefs-Signed-In == "1") {
        return (pass);
    }
    unset req.http.Cookie;

    # Tracking parameters change nothing a reader sees: one object per page, not one per campaign.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z_]+|fbclid|gclid|msclkid|mc_cid|mc_eid)=[^&]*(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }

    # A healthy app is always asked once an object's lifetime is over; stale objects are served
    # only while no app server answers (stale-if-error, which the app gives only to pages that
    # no scheduled change can alter in that time).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_hash {
    # The host was checked above and the pages name the site's own address whatever the
    # request's Host (settings.SITE_URL): the path and query alone name an object.
    hash_data(req.url);
    return (lookup);
}

sub vcl_backend_fetch {
    # Always a whole answer from the app: a 304 would renew an object with the lifetime its
    # old Surrogate-Control gave (the app's 304 carries none), past a scheduled change. Readers'
    # own If-None-Match are still answered here, from the object kept.
    unset bereq.http.If-None-Match;
    unset bereq.http.If-Modified-Since;
    if (bereq.retries > 0) {
        call briefs_next_backend;
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (bereq.url ~ "^/static/" && beresp.status == 200 && !beresp.http.Set-Cookie) {
        # Our own CSS, scripts and icons, named by their content (collectstatic's manifest):
        # kept as long as their Cache-Control says (WhiteNoise: a year for those names).
        return (deliver);
    }
    if (beresp.status != 200 || !beresp.http.Surrogate-Control || beresp.http.Set-Cookie) {
        # Not ours to keep: go to the app for this URL for a while without queueing behind
        # one another (hit-for-miss), and keep nothing.
        set beresp.uncacheable = true;
        set beresp.ttl = 5s;
        return (deliver);
    }
    set beresp.ttl = std.duration(
        regsub(beresp.http.Surrogate-Control, "^.*\bmax-age=([0-9]+).*$", "\1") + "s", 0s);
    if (beresp.http.Surrogate-Control ~ "\bstale-if-error=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*\bstale-if-error=([0-9]+).*$", "\1") + "s", 0s);
    } else {
        set beresp.grace = 0s;
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    if (beresp.http.Content-Type ~ "^(text/|application/(rss\+xml|atom\+xml|xml|json|ld\+json))") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    return (deliver);
}

sub vcl_synth {
    if (resp.status == 503 || resp.status == 400) {
        call briefs_error_page;
        return (deliver);
    }
}

sub vcl_backend_error {
    # An app server that went away before its probe noticed (up to two seconds): ask each of
    # the others in turn, when the request is safe to repeat.
    if (bereq.method == "GET" || bereq.method == "HEAD") {
        call briefs_retry_elsewhere;
    }
    # No app server answered: a page that says so, never a backend's traceback.
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "10";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1.25rem;color:#4b5563;background:#fdfcfa;line-height:1.6}h1{color:#17365d;line-height:1.2}</style>
<title>Back in a moment</title></head>
<body><main><h1>Back in a moment</h1>
<p>The site is not answering just now. Please try again in a minute.</p></main></body></html>
"});
    return (deliver);
}

sub briefs_error_page {
    set resp.http.Content-Type = "text/html; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    if (resp.status == 503) {
        set resp.http.Retry-After = "10";
    }
    synthetic({"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1.25rem;color:#4b5563;background:#fdfcfa;line-height:1.6}h1{color:#17365d;line-height:1.2}</style>
<title>"} + resp.reason + {"</title></head>
<body><main><h1>"} + resp.reason + {"</h1></main></body></html>
"});
}
