/** Uploads straight to the presigned S3 URL the API hands out (PUT with its headers, or a
 * multipart POST with its fields), with progress: fetch reports none for uploads, XHR does. */
export interface PresignedUpload {
  method: "PUT" | "POST";
  url: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
}

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

export function uploadFile(upload: PresignedUpload, file: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    let body: Blob | FormData = file;
    if (upload.method === "PUT") {
      for (const [name, value] of Object.entries(upload.headers)) {
        if (name.toLowerCase() !== "content-length" && name.toLowerCase() !== "host") xhr.setRequestHeader(name, value);
      }
    } else {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append("file", file);
      body = form;
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1];
        reject(new UploadError(`The upload was refused (HTTP ${xhr.status}${code ? `, ${code}` : ""}). Start it again.`, xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError("The upload could not reach the storage. Check your connection and start it again.", 0));
    xhr.onabort = () => reject(new UploadError("The upload was cancelled.", 0));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(body);
  });
}
