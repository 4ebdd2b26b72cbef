import { deletionContract, eventLogContract } from './contract.ts';
import { InMemoryEventLog } from './memory.ts';

const open = async () => {
  const log = new InMemoryEventLog();
  return {
    log,
    tamper: {
      async editData(position: number, data: Record<string, unknown>) {
        const rows = log.unsafeRows();
        rows[position - 1] = { ...rows[position - 1]!, data: data as never };
      },
      async deleteRow(position: number) {
        log.unsafeRows().splice(position - 1, 1);
      },
    },
    dispose: () => log.close(),
  };
};
const never = async () => false as const;

eventLogContract('in-memory', open, never);
deletionContract('in-memory', open, never);
