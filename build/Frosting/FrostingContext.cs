using Cake.Core;

namespace Cake.Frosting;

public interface IFrostingContext : ICakeContext;

/// <summary>Base class of a build's context; wraps the engine's <see cref="ICakeContext"/>.</summary>
public class FrostingContext(ICakeContext context) : CakeContextAdapter(context), IFrostingContext;
