/*
 * dtls13peer.c — a DTLS 1.3 (RFC 9147) client and server on wolfSSL, for the
 * ssldissect test captures (testdata/gen/mkpcaps-dtls13.sh). Built by
 * build.sh against a wolfSSL configured with --enable-dtls13 (and
 * --enable-dtlscid, -DHAVE_SECRET_CALLBACK).
 *
 *   dtls13peer server -port P -cert C -key K -in S2C -out GOT -peer-size N
 *                     [-rounds R] [-cipher LIST] [-groups G,..] [-cid HEX]
 *                     [-nocookie] [-keyupdate I] [-record BYTES]
 *   dtls13peer client -connect IP -port P -ca CA -name SNI -in C2S -out GOT
 *                     -peer-size N [-rounds R] [-cipher LIST] [-groups G,..]
 *                     [-keyshare G] [-cid HEX] [-keylog FILE] [-keyupdate I]
 *                     [-record BYTES]
 *
 * The exchange runs in R rounds: in round i the client writes part i of its
 * -in file, the server reads it completely
 * and answers with part i of its own -in file; part i of an N-byte file is
 * bytes [i*N/R, (i+1)*N/R). Each side writes what it read to -out (so GOT ==
 * the peer's -in, checked by the capture script), with -peer-size the size
 * of the peer's -in. -keyupdate I: call wolfSSL_update_keys (KeyUpdate,
 * update_requested) before round I. Then the client sends close_notify and
 * waits for the server's. -cid HEX: use RFC 9146 connection IDs, HEX being
 * the CID this side wants to receive. -nocookie: the server does not do the
 * stateless HelloRetryRequest-with-cookie exchange that wolfSSL's DTLS 1.3
 * server does by default. -keylog FILE: NSS key log lines
 * (CLIENT_HANDSHAKE_TRAFFIC_SECRET ... EXPORTER_SECRET) from the TLS 1.3
 * secret callback.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *mode, *connect_ip = "127.0.0.1", *cert, *key, *ca, *sni,
	*in_path, *out_path, *cipher, *groups, *keyshare, *cid_hex, *keylog_path;
static int port = 4433, rounds = 4, max_record = 1000, peer_size = -1, nocookie, keyupdate = -1;

static void die(const char *what)
{
	fprintf(stderr, "dtls13peer %s: %s\n", mode ? mode : "", what);
	exit(1);
}

static void die_ssl(WOLFSSL *ssl, int ret, const char *what)
{
	char buf[WOLFSSL_MAX_ERROR_SZ];
	int err = wolfSSL_get_error(ssl, ret);
	fprintf(stderr, "dtls13peer %s: %s: %d %s\n", mode, what, err,
		wolfSSL_ERR_error_string(err, buf));
	exit(1);
}

static unsigned char *read_file(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) die("cannot open -in");
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(*len + 1);
	if (fread(b, 1, *len, f) != (size_t)*len) die("cannot read -in");
	fclose(f);
	return b;
}

static int group_id(const char *name)
{
	if (!strcmp(name, "X25519")) return WOLFSSL_ECC_X25519;
	if (!strcmp(name, "P-256")) return WOLFSSL_ECC_SECP256R1;
	if (!strcmp(name, "P-384")) return WOLFSSL_ECC_SECP384R1;
	if (!strcmp(name, "P-521")) return WOLFSSL_ECC_SECP521R1;
	die("unknown group (X25519 P-256 P-384 P-521)");
	return 0;
}

static FILE *keylog;
static int seen[EXPORTER_SECRET + 1];

/* secret_cb writes one NSS key log line per TLS 1.3 secret; only the first
 * of each kind (the callback is not called for KeyUpdate secrets, but a
 * second CLIENT_TRAFFIC_SECRET would not be _0). */
static int secret_cb(WOLFSSL *ssl, int id, const unsigned char *secret,
		     int secretSz, void *ctx)
{
	static const char *const labels[] = {
		[CLIENT_EARLY_TRAFFIC_SECRET] = "CLIENT_EARLY_TRAFFIC_SECRET",
		[CLIENT_HANDSHAKE_TRAFFIC_SECRET] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
		[SERVER_HANDSHAKE_TRAFFIC_SECRET] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		[CLIENT_TRAFFIC_SECRET] = "CLIENT_TRAFFIC_SECRET_0",
		[SERVER_TRAFFIC_SECRET] = "SERVER_TRAFFIC_SECRET_0",
		[EARLY_EXPORTER_SECRET] = "EARLY_EXPORTER_SECRET",
		[EXPORTER_SECRET] = "EXPORTER_SECRET",
	};
	unsigned char cr[32];
	(void)ctx;
	if (!keylog || id < 0 || id > EXPORTER_SECRET || seen[id]++) return 0;
	if (wolfSSL_get_client_random(ssl, cr, sizeof cr) != sizeof cr) return -1;
	fprintf(keylog, "%s ", labels[id]);
	for (int i = 0; i < 32; i++) fprintf(keylog, "%02x", cr[i]);
	fputc(' ', keylog);
	for (int i = 0; i < secretSz; i++) fprintf(keylog, "%02x", secret[i]);
	fputc('\n', keylog);
	fflush(keylog);
	return 0;
}

static void read_exact(WOLFSSL *ssl, FILE *out, long n)
{
	unsigned char buf[16384];
	while (n > 0) {
		int want = n < (long)sizeof buf ? (int)n : (int)sizeof buf;
		int r = wolfSSL_read(ssl, buf, want);
		if (r <= 0) die_ssl(ssl, r, "read");
		fwrite(buf, 1, r, out);
		n -= r;
	}
}

/* write_all writes n bytes in records of at most max_record bytes (one
 * wolfSSL_write each: wolfSSL's DTLS does not split a write over datagrams). */
static void write_all(WOLFSSL *ssl, const unsigned char *b, long n)
{
	while (n > 0) {
		int w = n < max_record ? (int)n : max_record;
		int r = wolfSSL_write(ssl, b, w);
		if (r != w) die_ssl(ssl, r, "write");
		b += w;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) die("usage: dtls13peer client|server [flags]");
	mode = argv[1];
	int server = !strcmp(mode, "server");
	if (!server && strcmp(mode, "client")) die("first argument: client or server");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define S(flag, var) if (!strcmp(a, flag)) { if (!v) die(flag " needs a value"); var = v; i++; continue; }
#define I(flag, var) if (!strcmp(a, flag)) { if (!v) die(flag " needs a value"); var = atoi(v); i++; continue; }
		S("-connect", connect_ip) S("-cert", cert) S("-key", key) S("-ca", ca)
		S("-name", sni) S("-in", in_path) S("-out", out_path) S("-cipher", cipher)
		S("-groups", groups) S("-keyshare", keyshare) S("-cid", cid_hex)
		S("-keylog", keylog_path)
		I("-port", port) I("-rounds", rounds) I("-peer-size", peer_size)
		I("-keyupdate", keyupdate) I("-record", max_record)
		if (!strcmp(a, "-nocookie")) { nocookie = 1; continue; }
		fprintf(stderr, "dtls13peer: unknown flag %s\n", a);
		return 2;
	}
	if (!in_path || !out_path || peer_size < 0 || rounds < 1 || max_record < 1)
		die("-in, -out and -peer-size are required");
	long in_len;
	unsigned char *in = read_file(in_path, &in_len);
	FILE *out = fopen(out_path, "wb");
	if (!out) die("cannot create -out");

	if (getenv("DTLS13PEER_DEBUG")) wolfSSL_Debugging_ON();
	wolfSSL_Init();
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(server ? wolfDTLSv1_3_server_method()
						  : wolfDTLSv1_3_client_method());
	if (!ctx) die("CTX_new");
	if (server) {
		if (wolfSSL_CTX_use_certificate_chain_file(ctx, cert) != WOLFSSL_SUCCESS)
			die("cannot load -cert");
		if (wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
			die("cannot load -key");
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	} else {
		if (wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != WOLFSSL_SUCCESS)
			die("cannot load -ca");
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	}

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (server) {
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
		/* Wait for the first datagram, then talk to its sender only. */
		struct sockaddr_in peer;
		socklen_t plen = sizeof peer;
		char b;
		if (recvfrom(fd, &b, 1, MSG_PEEK, (struct sockaddr *)&peer, &plen) < 0) die("recvfrom");
		if (connect(fd, (struct sockaddr *)&peer, plen) < 0) die("connect");
	} else {
		if (inet_pton(AF_INET, connect_ip, &sa.sin_addr) != 1) die("bad -connect");
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
	}

	WOLFSSL *ssl = wolfSSL_new(ctx);
	if (!ssl) die("wolfSSL_new");
	if (!server && wolfSSL_dtls_set_peer(ssl, &sa, sizeof sa) != WOLFSSL_SUCCESS)
		die("dtls_set_peer");
	wolfSSL_set_fd(ssl, fd);
	if (cipher && wolfSSL_set_cipher_list(ssl, cipher) != WOLFSSL_SUCCESS) die("bad -cipher");
	if (groups) {
		int g[8], n = 0;
		char *s = strdup(groups), *tok;
		for (tok = strtok(s, ","); tok && n < 8; tok = strtok(NULL, ",")) g[n++] = group_id(tok);
		if (wolfSSL_set_groups(ssl, g, n) != WOLFSSL_SUCCESS) die("set_groups");
	}
	if (keyshare) {
		if (wolfSSL_NoKeyShares(ssl) != WOLFSSL_SUCCESS) die("NoKeyShares");
		if (wolfSSL_UseKeyShare(ssl, group_id(keyshare)) != WOLFSSL_SUCCESS) die("UseKeyShare");
	}
	if (server && nocookie && wolfSSL_disable_hrr_cookie(ssl) != WOLFSSL_SUCCESS)
		die("disable_hrr_cookie");
	if (!server && sni &&
	    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, sni, (unsigned short)strlen(sni)) != WOLFSSL_SUCCESS)
		die("UseSNI");
	if (!server && sni) wolfSSL_check_domain_name(ssl, sni);
	if (cid_hex) {
		unsigned char cid[255];
		size_t n = strlen(cid_hex) / 2;
		for (size_t i = 0; i < n; i++) sscanf(cid_hex + 2 * i, "%2hhx", &cid[i]);
		if (wolfSSL_dtls_cid_use(ssl) != WOLFSSL_SUCCESS) die("dtls_cid_use");
		if (wolfSSL_dtls_cid_set(ssl, cid, (unsigned)n) != WOLFSSL_SUCCESS) die("dtls_cid_set");
	}
	if (keylog_path) {
		if (!(keylog = fopen(keylog_path, "w"))) die("cannot create -keylog");
		wolfSSL_set_tls13_secret_cb(ssl, secret_cb, NULL);
	}

	int r = server ? wolfSSL_accept(ssl) : wolfSSL_connect(ssl);
	if (r != WOLFSSL_SUCCESS) die_ssl(ssl, r, "handshake");
	{
		unsigned int rx = 0, tx = 0;
		if (cid_hex) {
			wolfSSL_dtls_cid_get_rx_size(ssl, &rx);
			wolfSSL_dtls_cid_get_tx_size(ssl, &tx);
		}
		fprintf(stderr, "dtls13peer %s: %s %s, CID rx %u tx %u bytes\n", mode,
			wolfSSL_get_version(ssl), wolfSSL_get_cipher_name(ssl), rx, tx);
	}

	for (int i = 0; i < rounds; i++) {
		long a = in_len * i / rounds, b = in_len * (i + 1) / rounds;
		long pa = (long)peer_size * i / rounds, pb = (long)peer_size * (i + 1) / rounds;
		if (i == keyupdate) {
			r = wolfSSL_update_keys(ssl);
			if (r != WOLFSSL_SUCCESS) die_ssl(ssl, r, "update_keys");
			fprintf(stderr, "dtls13peer %s: KeyUpdate before round %d\n", mode, i);
		}
		if (server) {
			read_exact(ssl, out, pb - pa);
			write_all(ssl, in + a, b - a);
		} else {
			write_all(ssl, in + a, b - a);
			read_exact(ssl, out, pb - pa);
		}
	}
	fclose(out);

	if (server) {
		/* Wait for the client's close_notify, then send ours. */
		unsigned char buf[1024];
		r = wolfSSL_read(ssl, buf, sizeof buf);
		if (r > 0 || wolfSSL_get_error(ssl, r) != WOLFSSL_ERROR_ZERO_RETURN)
			die_ssl(ssl, r, "expected close_notify");
		wolfSSL_shutdown(ssl);
	} else {
		r = wolfSSL_shutdown(ssl);
		if (r == WOLFSSL_SHUTDOWN_NOT_DONE) r = wolfSSL_shutdown(ssl);
		if (r != WOLFSSL_SUCCESS) die_ssl(ssl, r, "shutdown (no close_notify from the server)");
	}
	fprintf(stderr, "dtls13peer %s: done\n", mode);
	wolfSSL_free(ssl);
	wolfSSL_CTX_free(ctx);
	close(fd);
	wolfSSL_Cleanup();
	return 0;
}
