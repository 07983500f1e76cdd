// The few file-system calls the loader awaits, on node:fs's callback API: importing
// node:fs/promises sets up its file watchers (a native binding) at every start, and the loader
// needs none of it. Same calls, same errors: realpath is the native one, as fs/promises' is.
import {
  lstat as lstatCallback,
  readdir as readdirCallback,
  realpath as realpathCallback,
  stat as statCallback,
  type Dirent,
  type Stats,
} from 'node:fs';

function settle<T>(resolve: (value: T) => void, reject: (error: NodeJS.ErrnoException) => void) {
  return (error: NodeJS.ErrnoException | null, value: T) => (error ? reject(error) : resolve(value));
}

export function stat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => statCallback(path, settle(resolve, reject)));
}

export function lstat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => lstatCallback(path, settle(resolve, reject)));
}

export function realpath(path: string): Promise<string> {
  return new Promise((resolve, reject) => realpathCallback.native(path, settle(resolve, reject)));
}

export function readdirEntries(dir: string): Promise<Dirent[]> {
  return new Promise((resolve, reject) => readdirCallback(dir, { withFileTypes: true }, settle(resolve, reject)));
}
