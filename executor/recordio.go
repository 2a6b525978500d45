package executor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxFrame bounds one RecordIO frame of the agent's event stream: a
// protobuf message is at most 4 MiB, as mesos-go's reader assumes.
const maxFrame = 4 << 20

// errFrame is wrapped by every malformed-frame error.
var errFrame = errors.New("malformed RecordIO frame")

// frameReader reads Mesos's RecordIO framing ("<length>\n<bytes>"). It
// replaces mesos-go's reader, which panics on a length above the largest
// int (found by FuzzEventStream): a length must be at most maxFrame.
type frameReader struct {
	r *bufio.Reader
}

func newFrameReader(r io.Reader) *frameReader { return &frameReader{r: bufio.NewReader(r)} }

// ReadFrame returns the next frame's bytes; io.EOF at a clean end of the
// stream, io.ErrUnexpectedEOF within a frame, an error wrapping errFrame
// for a bad length. Empty frames are skipped, as Mesos's reader does.
func (f *frameReader) ReadFrame() ([]byte, error) {
	for {
		line, err := f.r.ReadSlice('\n')
		switch {
		case errors.Is(err, io.EOF) && len(line) == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, io.ErrUnexpectedEOF
		case errors.Is(err, bufio.ErrBufferFull) || len(line) > 21:
			return nil, fmt.Errorf("%w: a length line longer than 20 digits", errFrame)
		case err != nil:
			return nil, err
		}
		n, err := strconv.ParseUint(string(line[:len(line)-1]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: length %q", errFrame, line[:len(line)-1])
		}
		if n > maxFrame {
			return nil, fmt.Errorf("%w: length %d above %d", errFrame, n, maxFrame)
		}
		if n == 0 {
			continue
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(f.r, buf); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
}
