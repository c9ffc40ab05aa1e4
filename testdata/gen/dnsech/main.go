// Command dnsech is a tiny DNS server and client for the ECH captures
// (testdata/gen/mkpcaps-ech.sh), built on golang.org/x/net/dns/dnsmessage
// (its HTTPS record, RFC 9460):
//
//	dnsech serve -listen ADDR:53 -name public.test -ech PREFIX[,PREFIX] [-n N]
//	dnsech query -server ADDR:53 -name public.test -out FILE
//
// serve answers N queries (UDP) for the HTTPS record of -name with one
// ServiceMode record (priority 1, target ".", alpn http/1.1) whose ech
// SvcParam is the ECHConfigList of the PREFIX.config files (gotls echkey);
// other questions get an empty answer section (NOERROR). query sends one HTTPS
// query and writes the ech SvcParam of the answer (an ECHConfigList) to
// FILE, for gotls client -ech-list.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dnsech serve|query ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "query":
		err = query(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnsech:", err)
		os.Exit(1)
	}
}

// configList is the ECHConfigList of the PREFIX.config files.
func configList(prefixes string) ([]byte, error) {
	var body []byte
	for _, p := range strings.Split(prefixes, ",") {
		c, err := os.ReadFile(p + ".config")
		if err != nil {
			return nil, err
		}
		body = append(body, c...)
	}
	return append([]byte{byte(len(body) >> 8), byte(len(body))}, body...), nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", ":53", "UDP address")
	name := fs.String("name", "public.test", "the name whose HTTPS record is served")
	echp := fs.String("ech", "", "ECH configs: PREFIX[,PREFIX] from gotls echkey")
	n := fs.Int("n", 1, "queries to answer")
	fs.Parse(args)
	list, err := configList(*echp)
	if err != nil {
		return err
	}
	want, err := dnsmessage.NewName(strings.TrimSuffix(*name, ".") + ".")
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", *listen)
	if err != nil {
		return err
	}
	defer pc.Close()
	buf := make([]byte, 1500)
	for i := 0; i < *n; i++ {
		m, addr, err := pc.ReadFrom(buf)
		if err != nil {
			return err
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:m])
		if err != nil {
			return err
		}
		q, err := p.Question()
		if err != nil {
			return err
		}
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired})
		b.EnableCompression()
		if err := b.StartQuestions(); err != nil {
			return err
		}
		if err := b.Question(q); err != nil {
			return err
		}
		if err := b.StartAnswers(); err != nil {
			return err
		}
		if q.Type == dnsmessage.TypeHTTPS && strings.EqualFold(q.Name.String(), want.String()) {
			r := dnsmessage.HTTPSResource{SVCBResource: dnsmessage.SVCBResource{Priority: 1, Target: dnsmessage.MustNewName(".")}}
			r.SetParam(dnsmessage.SVCParamALPN, []byte("\x08http/1.1"))
			r.SetParam(dnsmessage.SVCParamECH, list)
			if err := b.HTTPSResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 300}, r); err != nil {
				return err
			}
		}
		out, err := b.Finish()
		if err != nil {
			return err
		}
		if _, err := pc.WriteTo(out, addr); err != nil {
			return err
		}
	}
	return nil
}

func query(args []string) error {
	fs := flag.NewFlagSet("query", flag.ExitOnError)
	server := fs.String("server", "127.0.0.1:53", "UDP address of the server")
	name := fs.String("name", "public.test", "the name whose HTTPS record is asked for")
	out := fs.String("out", "", "write the ech SvcParam (ECHConfigList) here")
	fs.Parse(args)
	qn, err := dnsmessage.NewName(strings.TrimSuffix(*name, ".") + ".")
	if err != nil {
		return err
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 0x4543, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return err
	}
	if err := b.Question(dnsmessage.Question{Name: qn, Type: dnsmessage.TypeHTTPS, Class: dnsmessage.ClassINET}); err != nil {
		return err
	}
	msg, err := b.Finish()
	if err != nil {
		return err
	}
	c, err := net.Dial("udp", *server)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	var p dnsmessage.Parser
	h, err := p.Start(buf[:n])
	if err != nil {
		return err
	}
	if !h.Response || h.ID != 0x4543 {
		return errors.New("not the response to the query")
	}
	if err := p.SkipAllQuestions(); err != nil {
		return err
	}
	for {
		rh, err := p.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return errors.New("no HTTPS answer with an ech parameter")
		}
		if err != nil {
			return err
		}
		if rh.Type != dnsmessage.TypeHTTPS {
			if err := p.SkipAnswer(); err != nil {
				return err
			}
			continue
		}
		r, err := p.HTTPSResource()
		if err != nil {
			return err
		}
		if v, ok := r.GetParam(dnsmessage.SVCParamECH); ok {
			return os.WriteFile(*out, bytes.Clone(v), 0o644)
		}
	}
}
