package parser

import (
	"slices"

	"github.com/ssldissect/ssldissect/internal/boundcache"
)

// certCacheSize bounds the certificate summaries kept: when full, the
// cache starts again empty. A few thousand servers' chains fit.
const certCacheSize = 4096

// certCache keeps ParseCertInfo's results by the certificate's SHA-256, as
// most connections in a capture present a chain seen before: parsing the
// DER (and checking a self-signed certificate's signature) again for each
// is the largest cost of a full handshake after the key exchange.
var certCache = boundcache.New[[32]byte, CertInfo](certCacheSize)

func cachedCertInfo(sum [32]byte) (CertInfo, bool) { return certCache.Get(sum) }

func cacheCertInfo(sum [32]byte, ci CertInfo) CertInfo {
	ci.SAN = slices.Clip(ci.SAN) // an append by a caller copies
	certCache.Put(sum, ci)
	return ci
}
