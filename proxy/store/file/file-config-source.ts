import { watch } from 'node:fs';
import path from 'node:path';
import type { SwitchyardConfig } from '../../config/config';
import { loadConfigFile } from '../../config/load-config';
import type { ConfigSource } from '../config-source';

/** How long the file must be quiet before a change is reported: one save can fire several events. */
const debounceMs = 100;

/** The config as one JSON file, watched for edits. */
export class FileConfigSource implements ConfigSource {
  readonly location: string;

  constructor(file: string) {
    this.location = file;
  }

  async load(): Promise<SwitchyardConfig> {
    return loadConfigFile(this.location);
  }

  /**
   * Watches the folder rather than the file: editors that save by writing a new file and
   * renaming it over the old one replace the inode a file watch would be on, and its events
   * stop. No watcher keeps the process alive.
   */
  watch(onChange: () => void): () => void {
    const name = path.basename(this.location);
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(path.dirname(this.location), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.unref();
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }
}
