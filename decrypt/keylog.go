package decrypt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Key log labels (NSS key log format; RFC 9850 / draft-ietf-tls-keylogfile).
const (
	LabelClientRandom                 = "CLIENT_RANDOM"     // client random -> 48-byte master secret
	LabelRSA                          = "RSA"               // first 8 bytes of the encrypted PMS -> 48-byte PMS
	LabelPMSClientRandom              = "PMS_CLIENT_RANDOM" // client random -> pre-master secret
	LabelClientEarlyTrafficSecret     = "CLIENT_EARLY_TRAFFIC_SECRET"
	LabelClientHandshakeTrafficSecret = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	LabelServerHandshakeTrafficSecret = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	LabelClientTrafficSecret0         = "CLIENT_TRAFFIC_SECRET_0"
	LabelServerTrafficSecret0         = "SERVER_TRAFFIC_SECRET_0"
	LabelEarlyExporterSecret          = "EARLY_EXPORTER_SECRET" // accepted, not used
	LabelExporterSecret               = "EXPORTER_SECRET"       // accepted, not used
	// OpenSSL's s_client and s_server log the traffic secrets after each
	// KeyUpdate under these labels; the chain is derived from the _0
	// secrets (RFC 8446 7.2), so they are accepted and not needed.
	LabelClientTrafficSecretN = "CLIENT_TRAFFIC_SECRET_N"
	LabelServerTrafficSecretN = "SERVER_TRAFFIC_SECRET_N"
	// Encrypted Client Hello (RFC 9850 2.3), always under the outer
	// ClientHello's random (the TLS 1.3 secrets of a connection that
	// accepted ECH are under the inner one's): the HPKE KEM shared secret
	// (RFC 9180 5.1.1), and the ECHConfig the client used (RFC 9849 4).
	LabelECHSecret = "ECH_SECRET"
	LabelECHConfig = "ECH_CONFIG"
)

// Caps on key log input, checked before any allocation they bound.
const (
	MaxKeyLogSize  = 64 << 20 // bytes read from one source
	maxKeyLogLine  = 8192     // a longer line is malformed (an ML-KEM ECH_CONFIG is over 3000 hex digits)
	clientRandLen  = 32
	rsaPrefixLen   = 8
	maxSecretLen   = 64 // SHA-512-sized secrets are the largest anyone logs
	preMasterRSA   = 48
	masterSecretSz = 48
	maxECHConfig   = 4000 // bytes of an ECH_CONFIG value, within maxKeyLogLine as hex
	minECHConfig   = 4    // version and length
)

// labelInfo says how a label's first field and secret are checked.
type labelInfo struct {
	firstLen  int // length of the first field (client random, or RSA prefix)
	secretMin int
	secretMax int
	// sequence: the label is logged again with a new value each time
	// (OpenSSL's *_TRAFFIC_SECRET_N after every KeyUpdate), so a new
	// value replaces the old one and is no conflict.
	sequence bool
}

var keyLogLabels = map[string]labelInfo{
	LabelClientRandom:                 {clientRandLen, masterSecretSz, masterSecretSz, false},
	LabelRSA:                          {rsaPrefixLen, preMasterRSA, preMasterRSA, false},
	LabelPMSClientRandom:              {clientRandLen, 1, maxSecretLen * 8, false},
	LabelClientEarlyTrafficSecret:     {clientRandLen, 32, maxSecretLen, false},
	LabelClientHandshakeTrafficSecret: {clientRandLen, 32, maxSecretLen, false},
	LabelServerHandshakeTrafficSecret: {clientRandLen, 32, maxSecretLen, false},
	LabelClientTrafficSecret0:         {clientRandLen, 32, maxSecretLen, false},
	LabelServerTrafficSecret0:         {clientRandLen, 32, maxSecretLen, false},
	LabelEarlyExporterSecret:          {clientRandLen, 32, maxSecretLen, false},
	LabelExporterSecret:               {clientRandLen, 32, maxSecretLen, false},
	LabelClientTrafficSecretN:         {clientRandLen, 32, maxSecretLen, true},
	LabelServerTrafficSecretN:         {clientRandLen, 32, maxSecretLen, true},
	LabelECHSecret:                    {clientRandLen, 16, maxSecretLen, false},
	LabelECHConfig:                    {clientRandLen, minECHConfig, maxECHConfig, false},
}

// KeyLog holds secrets indexed by (label, client random), and RSA
// pre-master secrets by the first 8 bytes of their encryption. Loading
// and looking up may happen concurrently.
type KeyLog struct {
	// MaxBytes caps what one Load reads; 0 means MaxKeyLogSize.
	MaxBytes int64

	mu      sync.RWMutex
	secrets map[string]*keyEntry // label + "\x00" + client random -> its values
	n       int                  // values held
	// held is n, also read without the lock: lookups in an empty KeyLog
	// (a run without keys, on every worker) take no lock.
	held atomic.Int64
	// labels are the labels logged per client random (or RSA prefix), for
	// Labels.
	labels  map[string][]string
	sources []string // AddSource's names, each once
}

// keyEntry is what a KeyLog holds for one label and client random.
type keyEntry struct {
	vals [][]byte // newest first
	// used is set by the first lookup that finds vals (lookups hold the
	// KeyLog's lock only for reading).
	used atomic.Bool
	// counted: Unused counts the entry when no lookup found it (its label
	// is one that decryption looks up, not in neverLookedUp).
	counted bool
}

// AddSource notes name as a place the secrets come from (a key-log file
// given, a followed one, a capture file's Decryption Secrets Blocks), for
// the messages that say where a secret was looked for. Each name is kept
// once.
func (k *KeyLog) AddSource(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, s := range k.sources {
		if s == name {
			return
		}
	}
	k.sources = append(k.sources, name)
}

// Where names the key log in a message: "the key log keys.log", "the key
// logs a.log, b.log and 3 more", "the key log" when secrets were loaded
// from no source AddSource named, and "" when there is none: no source
// and no secrets. A nil KeyLog is none.
func (k *KeyLog) Where() string {
	if k == nil {
		return ""
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	switch n := len(k.sources); {
	case n == 0 && k.n == 0:
		return ""
	case n == 0:
		return "the key log"
	case n == 1:
		return "the key log " + k.sources[0]
	case n <= 3:
		return "the key logs " + strings.Join(k.sources[:n-1], ", ") + " and " + k.sources[n-1]
	default:
		return fmt.Sprintf("the key logs %s and %d more", strings.Join(k.sources[:2], ", "), n-2)
	}
}

// MaxAlternatives caps the different secrets kept for one label and
// client random (two processes logging the same random, a key log
// concatenated from several runs); older ones beyond it are forgotten.
const MaxAlternatives = 4

// appendKeyLogKey appends the map key of (label, first), label NUL first,
// to b: store and the lookups build it in a stack buffer of keyLogKeyRoom
// bytes and make no string.
func appendKeyLogKey(b []byte, label string, first []byte) []byte {
	b = append(b, label...)
	b = append(b, 0)
	return append(b, first...)
}

// keyLogKeyRoom holds the key of the longest label and a 32-byte random
// (longer ones are appended on the heap).
const keyLogKeyRoom = 128

// Load reads NSS key log lines from r, which is named name in errors (a
// file name, or "file.pcapng DSB #2" for a pcapng Decryption Secrets
// Block). Blank lines and '#' comments are skipped; CRLF line ends are
// accepted. A malformed line gives a *LineError ("keys.log:12: bad hex in
// client random") and reading goes on; a line with an unknown label gives
// a *LineError wrapping ErrUnknownLabel, a warning; a line whose secret
// differs from one logged before for the same label and client random is
// kept beside it and gives a *LineError wrapping ErrConflictingSecret, a
// warning. added counts the secrets stored (new values). At most
// MaxBytes (default MaxKeyLogSize) bytes are read.
func (k *KeyLog) Load(r io.Reader, name string) (added int, errs []error) {
	limit := k.MaxBytes
	if limit <= 0 {
		limit = MaxKeyLogSize
	}
	k.presize(r, limit)
	var sl slabs
	lr := &io.LimitedReader{R: r, N: limit + 1}
	br := bufio.NewReaderSize(lr, 4096)
	// The lines are stored under the lock, taken for up to loadBatch
	// lines at a time, and let go whenever the next line is not wholly
	// buffered: lookups never wait for a read (of a pipe, say).
	k.mu.Lock()
	defer func() { k.mu.Unlock() }()
	for lineNo := 1; ; lineNo++ {
		var line []byte
		var tooLong bool
		var err error
		if lineNo%loadBatch == 0 || !lineBuffered(br) {
			k.mu.Unlock()
			line, tooLong, err = readLine(br)
			k.mu.Lock()
		} else {
			line, tooLong, err = readLine(br)
		}
		if len(line) > 0 || tooLong {
			if tooLong {
				errs = append(errs, &LineError{name, lineNo, fmt.Errorf("%w: longer than %d bytes", ErrKeyLogSyntax, maxKeyLogLine)})
			} else {
				n, lerr := k.addLine(&sl, line)
				added += n
				if lerr != nil {
					errs = append(errs, &LineError{name, lineNo, lerr})
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				errs = append(errs, &LineError{name, lineNo, err})
			}
			break
		}
	}
	if lr.N <= 0 {
		errs = append(errs, fmt.Errorf("%s: %w: more than %d bytes, the rest is ignored", name, ErrTooLarge, limit))
	}
	return added, errs
}

// loadBatch is how many lines Load stores between two takings of the lock.
const loadBatch = 512

// lineBuffered tells whether br holds a whole line, which readLine then
// returns without reading.
func lineBuffered(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

// readLine returns the next line without its end (\n or \r\n). A line
// longer than maxKeyLogLine is consumed and reported as tooLong. A line
// that fits in br's buffer is returned in it, valid until the next read.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for first := true; ; first = false {
		chunk, e := br.ReadSlice('\n')
		if first && e != bufio.ErrBufferFull {
			if len(chunk) > maxKeyLogLine+2 {
				return nil, true, e
			}
			chunk = bytes.TrimSuffix(chunk, []byte("\n"))
			return bytes.TrimSuffix(chunk, []byte("\r")), false, e
		}
		if len(buf)+len(chunk) > maxKeyLogLine+2 {
			tooLong = true
		} else {
			buf = append(buf, chunk...)
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		err = e
		break
	}
	if tooLong {
		return nil, true, err
	}
	buf = bytes.TrimSuffix(buf, []byte("\n"))
	buf = bytes.TrimSuffix(buf, []byte("\r"))
	return buf, false, err
}

// addLine parses "LABEL <hex> <hex>" and stores it.
func (k *KeyLog) addLine(sl *slabs, line []byte) (int, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return 0, nil
	}
	var fa [3][]byte
	fields, nf := splitFields(&fa, line)
	if nf == 0 {
		return 0, nil
	}
	label, ok := keyLogLabelNames[string(fields[0])]
	if !ok {
		label = string(fields[0])
	}
	info, ok := keyLogLabels[label]
	if !ok {
		return 0, fmt.Errorf("%w %q, line skipped", ErrUnknownLabel, label)
	}
	if nf != 3 {
		return 0, fmt.Errorf("%w: %s line has %d fields, want 3", ErrKeyLogSyntax, label, nf)
	}
	firstName := "client random"
	if label == LabelRSA {
		firstName = "encrypted pre-master prefix"
	}
	// The client random (or RSA prefix) is only a key: decoded on the
	// stack; store copies it into its map keys.
	var fb [64]byte
	var first []byte
	var err error
	if hex.DecodedLen(len(fields[1])) <= len(fb) {
		var n int
		n, err = hex.Decode(fb[:], fields[1])
		first = fb[:n]
	} else {
		first, err = decodeHex(fields[1])
	}
	if err != nil {
		return 0, fmt.Errorf("%w: bad hex in %s", ErrKeyLogSyntax, firstName)
	}
	if len(first) != info.firstLen {
		return 0, fmt.Errorf("%w: %s is %d bytes, want %d", ErrKeyLogSyntax, firstName, len(first), info.firstLen)
	}
	secret := sl.bytes(hex.DecodedLen(len(fields[2])))
	n, err := hex.Decode(secret, fields[2])
	if err != nil {
		return 0, fmt.Errorf("%w: bad hex in secret", ErrKeyLogSyntax)
	}
	secret = secret[:n:n]
	if len(secret) < info.secretMin || len(secret) > info.secretMax {
		return 0, fmt.Errorf("%w: %s secret is %d bytes", ErrKeyLogSyntax, label, len(secret))
	}
	return k.store(sl, label, first, firstName, secret, info.sequence)
}

// slabs are where one Load puts the secrets, the map keys and the value
// lists of its lines, carved from larger allocations (a key log of 50,000
// lines made nearly five allocations a line). What is carved is never
// changed afterwards: a key is a string over slab bytes; the values are
// replaced, not written, and handed out as copies.
type slabs struct {
	b       []byte
	vals    [][]byte
	entries []keyEntry
}

// slabSize is the size of a new byte slab (a key log line holds about 100
// bytes of key and secret).
const slabSize = 64 << 10

// bytes is n new bytes.
func (s *slabs) bytes(n int) []byte {
	if n > slabSize/4 {
		return make([]byte, n)
	}
	if len(s.b)+n > cap(s.b) {
		s.b = make([]byte, 0, slabSize)
	}
	i := len(s.b)
	s.b = s.b[:i+n]
	return s.b[i : i+n : i+n]
}

// key is appendKeyLogKey's key of (label, first), its bytes in the slab.
func (s *slabs) key(label string, first []byte) string {
	b := s.bytes(len(label) + 1 + len(first))
	copy(b[copy(b, label)+1:], first)
	b[len(label)] = 0
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// entry is a new keyEntry, from a slab of them.
func (s *slabs) entry() *keyEntry {
	if len(s.entries) == cap(s.entries) {
		s.entries = make([]keyEntry, 0, 1024)
	}
	s.entries = s.entries[:len(s.entries)+1]
	return &s.entries[len(s.entries)-1]
}

// list is a new list of one value, with room for no more (appending to it
// makes a list of its own).
func (s *slabs) list(v []byte) [][]byte {
	if len(s.vals) == cap(s.vals) {
		s.vals = make([][]byte, 0, 1024)
	}
	s.vals = append(s.vals, v)
	i := len(s.vals) - 1
	return s.vals[i : i+1 : i+1]
}

// keyLogLabelNames maps each label of keyLogLabels to itself: looked up
// with a line's bytes, it gives the label as a string without making one.
var keyLogLabelNames = func() map[string]string {
	m := make(map[string]string, len(keyLogLabels))
	for l := range keyLogLabels {
		m[l] = l
	}
	return m
}()

// splitFields is bytes.Fields for the lines of a key log: the first
// three fields of line into fa, and the number of fields. The common line,
// three fields between single spaces, all ASCII, is split with IndexByte;
// another with ASCII spaces only is split byte by byte; a line with a byte
// outside ASCII goes to bytes.Fields itself (which splits at Unicode
// spaces too).
func splitFields(fa *[3][]byte, line []byte) ([][]byte, int) {
	if i := bytes.IndexByte(line, ' '); i > 0 {
		if j := bytes.IndexByte(line[i+1:], ' '); j > 0 {
			j += i + 1
			if j+1 < len(line) && plainField(line[:i]) && plainField(line[i+1:j]) && plainField(line[j+1:]) {
				fa[0], fa[1], fa[2] = line[:i], line[i+1:j], line[j+1:]
				return fa[:], 3
			}
		}
	}
	for _, c := range line {
		if c >= 0x80 {
			f := bytes.Fields(line)
			return f, len(f)
		}
	}
	n := 0
	for i := 0; i < len(line); {
		for i < len(line) && asciiSpace(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && !asciiSpace(line[j]) {
			j++
		}
		if n < len(fa) {
			fa[n] = line[i:j]
		}
		n++
		i = j
	}
	return fa[:min(n, len(fa))], n
}

// plainField tells whether f is one field of bytes.Fields: no ASCII space
// (in an ASCII space or above 0x20) and nothing outside ASCII.
func plainField(f []byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for len(f) >= 8 {
		w := binary.LittleEndian.Uint64(f)
		if w&hi != 0 {
			return false // a byte outside ASCII
		}
		if (w-0x21*lo)&^w&hi != 0 && !plainBytes(f[:8]) {
			return false // a byte below '!' that is a space
		}
		f = f[8:]
	}
	return plainBytes(f)
}

// plainBytes is plainField byte by byte.
func plainBytes(f []byte) bool {
	for _, c := range f {
		if c <= ' ' && asciiSpace(c) || c >= 0x80 {
			return false
		}
	}
	return true
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// presize makes the maps of an empty KeyLog about as large as the lines of
// r will need, when r says its size (a file): growing them line by line
// was a fifth of a large key log's load. Key log lines are 150-180 bytes.
func (k *KeyLog) presize(r io.Reader, limit int64) {
	st, ok := r.(interface{ Stat() (os.FileInfo, error) })
	if !ok {
		return
	}
	fi, err := st.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	lines := min(fi.Size(), limit) / 150
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.secrets == nil && lines > 0 {
		k.secrets = make(map[string]*keyEntry, lines)
		k.labels = make(map[string][]string, lines/4)
	}
}

// decodeHex is hex.DecodeString without the string: the decoded bytes
// in a new slice.
func decodeHex(h []byte) ([]byte, error) {
	b := make([]byte, hex.DecodedLen(len(h)))
	n, err := hex.Decode(b, h)
	return b[:n], err
}

// store adds secret under (label, first), newest first, with k.mu held. A value already
// held is not added again (it moves to the front, so the last line logged
// is tried first, as before). A different value beside others is kept and
// reported as ErrConflictingSecret, a warning: both are tried; for a
// sequence label it replaces the one held.
func (k *KeyLog) store(sl *slabs, label string, first []byte, firstName string, secret []byte, sequence bool) (int, error) {
	if k.secrets == nil {
		k.secrets = make(map[string]*keyEntry)
		k.labels = make(map[string][]string)
	}
	var kb [keyLogKeyRoom]byte
	kl := appendKeyLogKey(kb[:0], label, first)
	e := k.secrets[string(kl)] // the lookup makes no string
	if e == nil {
		// A new secret: its key in the slab, its random a part of the key.
		key := sl.key(label, first)
		e = sl.entry()
		e.vals, e.counted = sl.list(secret), !neverLookedUp[label]
		k.secrets[key] = e
		k.n++
		k.held.Store(int64(k.n))
		random := key[len(label)+1:]
		if l, ok := k.labels[random]; ok {
			k.labels[random] = append(l, label)
		} else {
			k.labels[random] = append(make([]string, 0, 6), label)
		}
		return 1, nil
	}
	vals := e.vals
	if sequence && len(vals) == 1 {
		if bytes.Equal(vals[0], secret) {
			return 0, nil
		}
		vals[0] = secret
		return 1, nil
	}
	for i, v := range vals {
		if bytes.Equal(v, secret) {
			copy(vals[1:i+1], vals[:i])
			vals[0] = v
			return 0, nil
		}
	}
	if len(vals) < MaxAlternatives {
		vals = append(vals, nil)
		k.n++
		k.held.Store(int64(k.n))
	}
	copy(vals[1:], vals)
	vals[0] = secret
	e.vals = vals
	if len(vals) == 1 {
		return 1, nil
	}
	return 1, fmt.Errorf("%w: %s for %s %s differs from %d logged before; each is tried", ErrConflictingSecret, label, firstName, hex.EncodeToString(first), len(vals)-1)
}

// Lookup returns a copy of the secret logged under label for a client
// random (for LabelRSA, use LookupRSA).
func (k *KeyLog) Lookup(label string, clientRandom []byte) ([]byte, bool) {
	if k.held.Load() == 0 {
		return nil, false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	var kb [keyLogKeyRoom]byte
	key := appendKeyLogKey(kb[:0], label, clientRandom)
	e := k.secrets[string(key)] // the lookup makes no string
	if e == nil || len(e.vals) == 0 {
		return nil, false
	}
	e.markUsed()
	return bytes.Clone(e.vals[0]), true
}

// LookupAll returns copies of every secret logged under label for a
// client random, the last one logged first; more than one only when the
// key log disagreed with itself (ErrConflictingSecret), for the caller
// to try each.
func (k *KeyLog) LookupAll(label string, clientRandom []byte) [][]byte {
	if k.held.Load() == 0 {
		return [][]byte{}
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	var kb [keyLogKeyRoom]byte
	key := appendKeyLogKey(kb[:0], label, clientRandom)
	var vals [][]byte
	if e := k.secrets[string(key)]; e != nil && len(e.vals) > 0 {
		vals = e.vals
		e.markUsed()
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = bytes.Clone(v)
	}
	return out
}

// LookupRSA returns the pre-master secret logged under an "RSA" line for
// an encrypted pre-master secret; only its first 8 bytes are used.
func (k *KeyLog) LookupRSA(encryptedPMS []byte) ([]byte, bool) {
	if len(encryptedPMS) < rsaPrefixLen {
		return nil, false
	}
	return k.Lookup(LabelRSA, encryptedPMS[:rsaPrefixLen])
}

// ECH returns copies of the ECH_SECRET and ECH_CONFIG values logged for
// the random of an outer ClientHello (RFC 9850 2.3), the last logged of
// each; ok is false unless both are there. For OpenECH or NewECHContext.
func (k *KeyLog) ECH(outerClientRandom []byte) (secret, config []byte, ok bool) {
	secret, ok1 := k.Lookup(LabelECHSecret, outerClientRandom)
	config, ok2 := k.Lookup(LabelECHConfig, outerClientRandom)
	if !ok1 || !ok2 {
		return nil, nil, false
	}
	return secret, config, true
}

// Labels returns the labels logged for a client random (or the first 8
// bytes of an encrypted RSA pre-master secret), in the order first logged.
func (k *KeyLog) Labels(first []byte) []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return append([]string(nil), k.labels[string(first)]...)
}

// Randoms returns how many client randoms the log holds secrets for.
func (k *KeyLog) Randoms() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	n := 0
	for first := range k.labels {
		if len(first) == clientRandLen {
			n++
		}
	}
	return n
}

// neverLookedUp are the labels no decryption asks for (exporter secrets;
// the _N traffic secrets a KeyUpdate would have us derive): Unused does
// not count them.
var neverLookedUp = map[string]bool{
	LabelExporterSecret: true, LabelEarlyExporterSecret: true,
	LabelClientTrafficSecretN: true, LabelServerTrafficSecretN: true,
}

// Unused returns how many secrets (by label and client random) no lookup
// found: key-log lines that matched no connection.
func (k *KeyLog) Unused() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	n := 0
	for _, e := range k.secrets {
		if e.counted && !e.used.Load() {
			n++
		}
	}
	return n
}

// markUsed notes that a lookup found e's secrets (written once: lookups
// of the same entry from several workers do not contend after that).
func (e *keyEntry) markUsed() {
	if !e.used.Load() {
		e.used.Store(true)
	}
}

// Len returns the number of secrets held (each alternative counts).
func (k *KeyLog) Len() int { return int(k.held.Load()) }
