// What one apply has done so far: the pool, domain and app client each count their writes and say
// whether they created or updated something, and apply derives the step's outcome from that.
export interface Progress {
  writes: number;
  createdSomething: boolean;
  updatedSomething: boolean;
}
