import { execFileSync } from 'node:child_process';

// Integration tests need moto_server; say how to get it instead of failing deep inside a test.
export default function setup(): void {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore' });
  } catch {
    throw new Error('moto_server not found: install it with `pip install "moto[server]"` (Python 3.9+).');
  }
}
