/*
 * metrics_http.c: GET /metrics on libmicrohttpd (see metrics_http.h).
 *
 * The listening socket is ours (socket, SO_REUSEADDR, bind, listen) and
 * handed to libmicrohttpd with MHD_OPTION_LISTEN_SOCKET, which closes it on
 * stop.  The daemon runs one internal thread on epoll, so the host's file
 * descriptor numbers (which may be past FD_SETSIZE in a big gateway) do not
 * matter.  A response body is the rendered text, freed by libmicrohttpd.
 */
#include "metrics_http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "config.h"

#ifdef HAVE_MICROHTTPD

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics_text.h"

struct metrics_http {
    struct MHD_Daemon *daemon;
    metrics_render_fn render;
    void *ctx;
};

int metrics_http_available(void)
{
    return 1;
}

/* A short fixed answer (404, 405, 503). */
static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned code, const char *text,
                                   const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_ctx)
{
    struct metrics_http *h = cls;
    struct MHD_Response *r;
    struct sbuf body = SBUF_INIT;
    enum MHD_Result rc;

    (void)version;
    (void)upload;
    (void)req_ctx;
    if (strcmp(url, "/metrics") != 0)
        return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n", NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        *upload_size = 0; /* a body, if any, is not read */
        return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", "GET, HEAD");
    }
    h->render(h->ctx, &body);
    if (body.failed || body.buf == NULL) {
        sbuf_free(&body);
        return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n", NULL);
    }
    r = MHD_create_response_from_buffer(body.len, body.buf, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        sbuf_free(&body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, MT_CONTENT_TYPE);
    rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* A bound, listening socket for `where`, or -1 with one line in err. */
static int listen_socket(const char *where, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    char addr[64], why[160];
    socklen_t sl;
    int port, fd, one = 1, e;

    if (emg_metrics_parse_listen(where, addr, sizeof(addr), &port, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "metrics listen \"%s\": %s", where, why);
        return -1;
    }
    memset(&ss, 0, sizeof(ss));
    if (where[0] == '[') {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &v6->sin6_addr);
        sl = sizeof(*v6);
    } else {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &v4->sin_addr);
        sl = sizeof(*v4);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "metrics listen %s: socket: %s", where, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) {
        e = errno;
        close(fd);
        snprintf(err, errlen, "metrics listen %s: %s", where, strerror(e));
        return -1;
    }
    return fd;
}

struct metrics_http *metrics_http_start(const char *where, metrics_render_fn render, void *ctx,
                                        char *err, size_t errlen)
{
    struct metrics_http *h = emg_calloc(1, sizeof(*h));
    sigset_t all, old;
    int fd;

    if (h == NULL) {
        snprintf(err, errlen, "metrics listen %s: out of memory", where);
        return NULL;
    }
    fd = listen_socket(where, err, errlen);
    if (fd < 0) {
        emg_free(h);
        return NULL;
    }
    h->render = render;
    h->ctx = ctx;
    /* Kannel's threads expect to receive the signals, not the server's. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    h->daemon =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNALLY | MHD_USE_ITC, 0, NULL, NULL, on_request, h,
                         MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)METRICS_HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)METRICS_HTTP_TIMEOUT, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (h->daemon == NULL) {
        close(fd);
        emg_free(h);
        snprintf(err, errlen, "metrics listen %s: libmicrohttpd could not start", where);
        return NULL;
    }
    return h;
}

void metrics_http_stop(struct metrics_http *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->daemon);
    emg_free(h);
}

#else /* !HAVE_MICROHTTPD */

int metrics_http_available(void)
{
    return 0;
}

struct metrics_http *metrics_http_start(const char *where, metrics_render_fn render, void *ctx,
                                        char *err, size_t errlen)
{
    (void)render;
    (void)ctx;
    snprintf(err, errlen,
             "metrics listen %s: this emgdiag was built without libmicrohttpd (configure "
             "--without-microhttpd); use textfile=, or rebuild with libmicrohttpd-dev",
             where);
    return NULL;
}

void metrics_http_stop(struct metrics_http *h)
{
    (void)h;
}

#endif
