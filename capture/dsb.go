package capture

import (
	"bytes"
	"errors"
)

// readDSB hands the secrets of a Decryption Secrets Block to the
// OnSecrets callback, as a copy.
func (f *fileReader) readDSB(r reader, start int64) {
	var typ, n uint32
	var data []byte
	if !r.u32(&typ) || !r.u32(&n) || !r.bytes(&data, int(n)) {
		f.warn(f.fileErr(start, errors.New("decryption secrets block shorter than its secrets length")))
		return
	}
	f.secret(Secret{Type: typ, Data: bytes.Clone(data), File: f.name, Block: f.blocks})
}
