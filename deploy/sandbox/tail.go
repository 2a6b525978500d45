package sandbox

import (
	"context"
	"io"
	"strings"
	"time"
)

// tailBlock is how much Tail reads back at a time.
const tailBlock = 16 << 10

// Tail returns the last n lines of the file rel (all of it when n < 0),
// and the offset at which the file ended when read: where Follow goes on.
func (c *Client) Tail(ctx context.Context, sb Sandbox, rel string, n int) (string, int64, error) {
	end, err := c.Read(ctx, sb, rel, -1, -1)
	if err != nil {
		return "", 0, err
	}
	size := end.Offset
	if n == 0 {
		return "", size, nil
	}
	start := size
	var text string
	for start > 0 {
		from := max(0, start-tailBlock)
		if n < 0 {
			from = 0
		}
		block, err := c.readRange(ctx, sb, rel, from, start)
		if err != nil {
			return "", 0, err
		}
		text, start = block+text, from
		if n > 0 && strings.Count(strings.TrimSuffix(text, "\n"), "\n") >= n {
			break
		}
	}
	return lastLines(text, n), size, nil
}

// lastLines is the last n lines of text (all when n < 0), with their
// newlines.
func lastLines(text string, n int) string {
	switch {
	case n < 0:
		return text
	case n == 0:
		return ""
	}
	body := strings.TrimSuffix(text, "\n")
	cut := len(body)
	for range n {
		i := strings.LastIndexByte(body[:cut], '\n')
		if i < 0 {
			return text
		}
		cut = i
	}
	return text[cut+1:]
}

// readRange reads [from, to) of rel, in as many reads as the agent needs.
func (c *Client) readRange(ctx context.Context, sb Sandbox, rel string, from, to int64) (string, error) {
	var b strings.Builder
	for from < to {
		ch, err := c.Read(ctx, sb, rel, from, to-from)
		if err != nil {
			return "", err
		}
		if ch.Data == "" {
			break // the file shrank
		}
		b.WriteString(ch.Data)
		from += int64(len(ch.Data))
	}
	return b.String(), nil
}

// Follow writes to w what is appended to rel from offset on, reading it
// every interval, until ctx ends (then it returns nil). A file that
// shrinks (truncated) is followed from its new end.
func (c *Client) Follow(ctx context.Context, sb Sandbox, rel string, offset int64, w io.Writer, interval time.Duration) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for {
			ch, err := c.Read(ctx, sb, rel, offset, -1)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			if ch.Data == "" {
				offset = ch.Offset // the end: the size, lower if truncated
				break
			}
			if _, err := io.WriteString(w, ch.Data); err != nil {
				return err
			}
			offset = ch.Offset + int64(len(ch.Data))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
