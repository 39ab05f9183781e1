package bench

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// ZipSize returns the size of a zip holding binary as `bootstrap`, deflated
// by Go's compress/flate at its best level.
func ZipSize(binary string) (int64, error) {
	f, err := os.Open(binary)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(buf.Len()), nil
}

// CDKZipSize returns the size of the zip the CDK makes of a directory
// holding binary alone: its archiver deflates with Node's zlib at level 9
// (Go's compress/flate, in ZipSize, comes within half a percent). Node must
// be on PATH. The zip's headers for one file named
// bootstrap, streamed with a data descriptor, take 132 bytes.
func CDKZipSize(binary string) (int64, error) {
	const script = `process.stdout.write(String(require("zlib").deflateRawSync(require("fs").readFileSync(process.argv[1]), {level: 9}).length))`
	out, err := exec.Command("node", "-e", script, binary).Output()
	if err != nil {
		return 0, fmt.Errorf("node zlib: %w", err)
	}
	n, err := strconv.ParseInt(string(out), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("node zlib: %q: %w", out, err)
	}
	return n + int64(30+16+46+2*len("bootstrap")+22), nil
}

// Share is the size of a part of a binary: a package or a module.
type Share struct {
	Name  string
	Bytes int64
}

// PackageSizes sums the sizes of the symbols of binary (built without -s)
// by Go package, counting only what the file holds: code, read-only data
// and data, not bss. The rest of the file (the pcln table, which has no
// symbols of its own, and the headers) is not attributed. The shares come
// largest first, with their total.
func PackageSizes(binary string) (shares []Share, total int64, err error) {
	f, err := elf.Open(binary)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, 0, err
	}
	sizes := map[string]int64{}
	for _, s := range syms {
		if s.Size == 0 || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		if f.Sections[s.Section].Type != elf.SHT_PROGBITS {
			continue // bss and friends take no room in the file
		}
		sizes[SymbolPackage(s.Name)] += int64(s.Size)
		total += int64(s.Size)
	}
	for name, n := range sizes {
		shares = append(shares, Share{name, n})
	}
	sortShares(shares)
	return shares, total, nil
}

// SymbolPackage returns the import path of the package a Go symbol belongs
// to: "net/http" for "net/http.(*Client).Do" and for "type:*net/http.Client",
// "slices" for "slices.SortFunc[...]". The linker's table of function
// metadata is "(go:func)"; a symbol of no package (assembly, the build
// info) is its own name.
func SymbolPackage(name string) string {
	if strings.HasPrefix(name, "go:func.") {
		return "(go:func)"
	}
	for _, p := range []string{"type:", "go:itab.", "go:", ".eq."} {
		name = strings.TrimPrefix(name, p)
	}
	name = strings.TrimLeft(name, "*[]")
	if i := strings.IndexAny(name, "[,"); i >= 0 {
		name = name[:i] // generic instantiations, itab pairs
	}
	slash := strings.LastIndexByte(name, '/')
	if dot := strings.IndexByte(name[slash+1:], '.'); dot >= 0 {
		name = name[:slash+1+dot]
	}
	return strings.ReplaceAll(name, "%2e", ".") // the linker escapes dots in the last element
}

// ByModule sums package shares by module, given each package's module
// ("" for the standard library, reported as "std"). Shares of no package
// are "(other)".
func ByModule(packages []Share, moduleOf map[string]string) []Share {
	sizes := map[string]int64{}
	for _, p := range packages {
		m, ok := moduleOf[p.Name]
		switch {
		case strings.HasPrefix(p.Name, "("):
			m = p.Name
		case !ok:
			m = "(other)"
		case m == "":
			m = "std"
		}
		sizes[m] += p.Bytes
	}
	var shares []Share
	for name, n := range sizes {
		shares = append(shares, Share{name, n})
	}
	sortShares(shares)
	return shares
}

func sortShares(s []Share) {
	slices.SortFunc(s, func(a, b Share) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), strings.Compare(a.Name, b.Name))
	})
}
