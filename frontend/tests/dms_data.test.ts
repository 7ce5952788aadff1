import { describe, expect, it } from "vitest";
import { checkDmChoice, dmOthers, dmPartner, findDm, parseUsernames, roomTitle, sidebarOrder, splitDms } from "../src/dms_data";
import { ana, bo, cy, room } from "./fixtures";

const dm = (id: number, ...users: (typeof ana)[]) => room(id, "", 3, { kind: "dm", private: true, members: [ana, ...users] });

describe("dms_data", () => {
  it("a DM is titled with the other members' names; a room with its name", () => {
    expect(roomTitle(dm(5, cy, bo), ana)).toBe("Bo, cy");
    expect(roomTitle(room(1, "general"), ana)).toBe("general");
    expect(roomTitle(dm(6), ana)).toBe("ana");
    expect(dmOthers(dm(5, bo), ana.id)).toEqual([bo]);
  });

  it("the presence mark is the one other person's, none in a group DM", () => {
    expect(dmPartner(dm(5, bo), ana.id)).toEqual(bo);
    expect(dmPartner(dm(5, bo, cy), ana.id)).toBeNull();
  });

  it("DMs are listed apart and after the rooms, by title", () => {
    const rooms = [room(1, "general"), dm(7, cy), dm(5, bo), room(2, "random")];
    const s = splitDms(rooms, ana);
    expect(s.rooms.map((r) => r.id)).toEqual([1, 2]);
    expect(s.dms.map((r) => r.id)).toEqual([5, 7]);
    expect(sidebarOrder(rooms, ana).map((r) => r.id)).toEqual([1, 2, 5, 7]);
  });

  it("the picker: names from commas and spaces, @ dropped, once; 1 to 8 others, never oneself", () => {
    expect(parseUsernames(" @bo, cy  BO,,dee")).toEqual(["bo", "cy", "dee"]);
    expect(checkDmChoice([], ana)?.key).toBe("dm.pickSomeone");
    expect(checkDmChoice(["ANA"], ana)?.key).toBe("dm.notYourself");
    expect(checkDmChoice(["a", "b", "c", "d", "e", "f", "g", "h", "i"], ana)?.key).toBe("dm.tooMany");
    expect(checkDmChoice(["bo"], ana)).toBeNull();
  });

  it("a DM already held with exactly these people is found, in any case and order", () => {
    const rooms = [dm(5, bo), dm(6, bo, cy)];
    expect(findDm(rooms, ["CY", "bo"], ana)?.id).toBe(6);
    expect(findDm(rooms, ["bo"], ana)?.id).toBe(5);
    expect(findDm(rooms, ["cy"], ana)).toBeUndefined();
  });
});
