package main

// validateZeek checks the flags of dissect --format zeek.
func (o *options) validateZeek() error {
	if o.format != "zeek" {
		if o.logDir != "" || o.zeekJSON {
			return usagef("add --format zeek", "--log-dir and --zeek-json need --format zeek")
		}
		return nil
	}
	if o.logDir == "" {
		return usagef("name the directory of ssl.log, x509.log and quic.log: --log-dir DIR", "--format zeek needs --log-dir")
	}
	if o.plaintextDir != "" {
		return usagef("--plaintext-dir works with --format text or json", "--plaintext-dir with --format zeek")
	}
	return nil
}
