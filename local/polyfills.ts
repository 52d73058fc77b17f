// Lambda runs Node 22; the local world runs on Node 20 too. aws-local-stepfunctions 3 calls
// Promise.withResolvers (Node 22), so supply it where it is missing.
const promise = Promise as unknown as { withResolvers?: unknown };
if (typeof promise.withResolvers !== 'function') {
  promise.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const p = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: p, resolve, reject };
  };
}

// The AWS SDK warns once per process that future releases need Node 22. Lambda runs 22; the local
// world runs on 20 knowingly, so the warning says nothing new there.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
