package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/syscalls"
)

// MaxProfileSize is the largest profile Parse reads. Docker's and Podman's
// defaults are under 20 KB; a file of megabytes is not a seccomp profile.
const MaxProfileSize = 4 << 20

// shape describes the JSON a profile may hold: an object's keys (each with
// the shape of its value), or an array's element shape. A nil *shape
// accepts any scalar.
type shape struct {
	fields map[string]*shape
	elem   *shape
	// zeroErrno: the value is an errno that must not be 0.
	zeroErrno bool
}

var (
	scalar     = &shape{}
	errnoValue = &shape{zeroErrno: true}
	strings_   = &shape{elem: scalar}
	filterObj  = &shape{fields: map[string]*shape{
		"arches": strings_, "caps": strings_,
		"minKernel": scalar,
	}}
	argObj = &shape{fields: map[string]*shape{
		"index": scalar, "value": scalar, "valueTwo": scalar, "op": scalar,
	}}
	syscallObj = &shape{fields: map[string]*shape{
		"names": strings_, "name": scalar, "action": scalar, "errnoRet": errnoValue,
		"args": {elem: argObj}, "comment": scalar,
		"includes": filterObj, "excludes": filterObj,
		// containers/common writes the errno's name next to errnoRet.
		"errno": scalar,
	}}
	profileShape = &shape{fields: map[string]*shape{
		"defaultAction": scalar, "defaultErrnoRet": errnoValue,
		"architectures": strings_, "flags": strings_,
		"listenerPath": scalar, "listenerMetadata": scalar,
		"archMap": {elem: &shape{fields: map[string]*shape{
			"architecture": scalar, "subArchitectures": strings_,
		}}},
		"syscalls": {elem: syscallObj},
		// containers/common writes the default errno's name too.
		"defaultErrno": scalar,
	}}
)

// checkStrict rejects what runc's JSON reading silently accepts and what
// makes a filter weaker than it reads: keys no runtime knows (a misspelt
// "arg" for "args" drops a rule's conditions), keys spelt with other
// letter case (encoding/json matches them anyway), duplicate keys (the
// last one wins), and an errno of 0 (denied calls would return success).
// Errors give the line and column of the key.
func checkStrict(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec, data: data}
	if err := w.value(profileShape, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, dec.InputOffset()+1)
		return fmt.Errorf("line %d, column %d: data after the profile's JSON object: a file holds one profile", line, col)
	}
	return nil
}

type walker struct {
	dec  *json.Decoder
	data []byte
}

func (w *walker) at() string {
	line, col := position(w.data, w.dec.InputOffset())
	return fmt.Sprintf("line %d, column %d", line, col)
}

// value reads one JSON value of shape s at path.
func (w *walker) value(s *shape, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return w.object(s, path)
		case '[':
			elem := s.elem
			if elem == nil {
				elem = scalar
			}
			for i := 0; w.dec.More(); i++ {
				if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err := w.dec.Token() // ']'
			return err
		}
	case json.Number:
		if s.zeroErrno && t.String() == "0" {
			return fmt.Errorf("%s: %s is 0, which makes every call it denies return success: use 1 (EPERM) or 38 (ENOSYS), or read the profile leniently (--lenient) to accept it as runc does", w.at(), path)
		}
	}
	return nil
}

func (w *walker) object(s *shape, path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		where := key
		if path != "" {
			where = path + "." + key
		}
		if seen[key] {
			return fmt.Errorf("%s: duplicate key %s (JSON readers keep only the last one): remove one", w.at(), where)
		}
		seen[key] = true
		sub, ok := s.fields[key]
		if !ok && s.fields != nil {
			return fmt.Errorf("%s: unknown key %s%s: runtimes ignore it, which can make the filter weaker than it reads; fix or remove it, or read the profile leniently (--lenient)", w.at(), where, didYouMean(key, s.fields))
		}
		if sub == nil {
			sub = scalar
		}
		if err := w.value(sub, where); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

func didYouMean(key string, fields map[string]*shape) string {
	var names []string
	for k := range fields {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(" (the key is %q)", k)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	if near := syscalls.NearestOf(key, names, 2); len(near) > 0 {
		return fmt.Sprintf(" (did you mean %q?)", near[0])
	}
	return ""
}
