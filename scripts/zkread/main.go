// Command zkread is the baseline of the cold-restart row of
// scripts/bench.sh: a raw read of a ZooKeeper tree, every node's data read
// and the children listed of every node that has any (the stat of the read
// says how many), over as many sessions and with as many requests in
// flight as the scheduler's state store uses for its load (each session
// synced first, as the store's), and nothing decoded. That is one request
// per leaf, the fewest this client can do: it has no multi-read.
//
//	zkread -hosts 127.0.0.1:2181 -root /bench
//
// It prints the node count, the bytes read and the time from connecting
// to the last read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// sessions and inFlight (over all sessions) match the state store's
// loadSessions and loadConcurrency.
const (
	sessions = 4
	inFlight = 128
)

func main() {
	hosts := flag.String("hosts", "127.0.0.1:2181", "ZooKeeper hosts, comma-separated")
	root := flag.String("root", "/", "the tree to read")
	flag.Parse()
	if err := run(*hosts, *root); err != nil {
		fmt.Fprintln(os.Stderr, "zkread:", err)
		os.Exit(1)
	}
}

func run(hosts, root string) error {
	start := time.Now()
	conns := make([]*zk.Conn, sessions)
	var (
		connected sync.WaitGroup
		connErr   error
		connMu    sync.Mutex
	)
	for i := range conns {
		connected.Add(1)
		go func() {
			defer connected.Done()
			conn, err := connect(hosts, root)
			connMu.Lock()
			defer connMu.Unlock()
			conns[i] = conn
			if err != nil && connErr == nil {
				connErr = err
			}
		}()
	}
	connected.Wait()
	for _, c := range conns {
		if c != nil {
			defer c.Close()
		}
	}
	if connErr != nil {
		return connErr
	}
	var next atomic.Uint32
	var (
		mu       sync.Mutex
		nodes    int
		bytes    int
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, inFlight)
	var visit func(path string)
	visit = func(path string) {
		defer wg.Done()
		sem <- struct{}{}
		conn := conns[next.Add(1)%sessions]
		data, stat, err := conn.Get(path)
		var children []string
		if err == nil && stat.NumChildren > 0 {
			children, _, err = conn.Children(path)
		}
		<-sem
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if !errors.Is(err, zk.ErrNoNode) && firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", path, err)
			}
			return
		}
		nodes++
		bytes += len(data)
		for _, c := range children {
			wg.Add(1)
			go visit(strings.TrimSuffix(path, "/") + "/" + c)
		}
	}
	wg.Add(1)
	go visit(root)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("raw read: %d nodes, %d bytes in %.3f s\n", nodes, bytes, time.Since(start).Seconds())
	return nil
}

// connect opens a session and syncs it, as the state store's load does.
func connect(hosts, root string) (*zk.Conn, error) {
	conn, events, err := zk.Connect(strings.Split(hosts, ","), 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return nil, err
	}
	for ev := range events {
		if ev.State == zk.StateHasSession {
			break
		}
	}
	if _, err := conn.Sync(root); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sync: %w", err)
	}
	return conn, nil
}
