//go:debug tlsrsakex=1
//go:debug tls10server=1

package parser
